package render

import (
	"fmt"
	"strings"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// warnings are the risky choices of a valid config, each with what to do instead.
func (k *cluster) warnings() []Warning {
	s := &k.Spec
	var w []Warning
	add := func(field, format string, args ...any) {
		w = append(w, Warning{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if n := k.Replicas(); n > 1 && n%2 == 0 {
		add("spec.replicas", "%d nodes tolerate no more failures than %d: quorum queues and pause_minority need a majority, so use an odd number (3 or 5)", n, n-1)
	}
	if s.PodManagementPolicy == v1alpha1.PodManagementOrderedReady {
		add("spec.podManagementPolicy", "OrderedReady deadlocks a full-cluster restart: pod 0 waits for peers that only start once it is ready; use Parallel")
	}
	if s.Discovery.ForceNodeCleanup {
		add("spec.discovery.forceNodeCleanup", "members that discovery stops listing are removed from the cluster, including nodes that are only restarting or partitioned; their data is lost")
	}
	if nfs := s.Persistence.NFS; nfs != nil && !nfs.PermissionsPrepared {
		add("spec.persistence.nfs.permissionsPrepared", "%s", k.nfsPreparation(nfs))
	}
	if s.Persistence.EmptyDir {
		add("spec.persistence.emptyDir", "data lives only as long as each pod: a restart loses every message and the node's cluster membership; use it for development only")
	}
	k.pluginWarnings(add)
	if s.Definitions != nil && s.DefaultUser == nil {
		add("spec.definitions", "a node that imports definitions on its first boot creates no default user, not even guest: without spec.defaultUser (or users with a password_hash in the spec.definitions.configMapName file) no client can log in, only rabbitmqctl works")
	}
	if k.Spec.Monitoring.PrometheusRule != nil && !k.hasDetailedQueueMetrics() {
		add("spec.monitoring.prometheusRule", "%s is left out: RabbitMQ %s has no per-queue metrics endpoint (/metrics/detailed arrived in 3.9.7)", v1alpha1.AlertQueueGrowingWithoutConsumers, k.release())
	}
	if in := s.Exposure.Ingress; in != nil && !k.plainListeners() {
		add("spec.exposure.ingress", "the management UI only listens with TLS (spec.tls.disableNonTLSListeners): configure your ingress controller to speak HTTPS to the backend (for ingress-nginx the annotation nginx.ingress.kubernetes.io/backend-protocol: HTTPS)")
	}
	return w
}

func (k *cluster) pluginWarnings(add func(field, format string, args ...any)) {
	downloaded := map[string]bool{}
	for i, p := range k.Spec.CommunityPlugins {
		downloaded[p.Name] = true
		k.checkPluginRelease(fmt.Sprintf("spec.communityPlugins[%d]", i), p.Name, add)
	}
	for i, p := range k.Spec.Plugins {
		field := fmt.Sprintf("spec.plugins[%d]", i)
		if _, community := communityPlugins[p]; !community || downloaded[p] {
			continue
		}
		add(field, "%s is a community plugin that official rabbitmq images do not ship: the nodes start without it (RabbitMQ logs that an enabled plugin was not found and carries on), so what it provides is silently missing; list it in spec.communityPlugins (URL and sha256) to download it, or use an image that contains it", p)
		k.checkPluginRelease(field, p, add)
	}
}

// checkPluginRelease warns when a community plugin has no release for the configured series.
func (k *cluster) checkPluginRelease(field, plugin string, add func(field, format string, args ...any)) {
	newest, known := communityPlugins[plugin]
	if !known || newest == (v1alpha1.Series{}) || !k.series.AtLeast(newest.Major, newest.Minor) || k.series == newest {
		return
	}
	add(field, "%s has no release for RabbitMQ %s (the newest is for %s): the node will not start with a plugin built for another series; stay on %s until the plugin is released", plugin, k.series, newest, newest)
}

// nfsPreparation says what to do on the NFS server before the first apply: Kubernetes
// creates no directory on an export and cannot chown one.
func (k *cluster) nfsPreparation(nfs *v1alpha1.NFS) string {
	uid, gid := rabbitmqUser(k.Spec.Image)
	prepare := fmt.Sprintf("chown -R %d:%d %s", uid, gid, nfs.Path)
	missing := ""
	if nfs.PerPod {
		dirs := make([]string, k.Replicas())
		for i := range dirs {
			dirs[i] = k.perPodExportDir(i)
		}
		prepare = "mkdir -p " + strings.Join(dirs, " ") + " && " + prepare
		missing = "each pod's PersistentVolume points at its own directory, and a missing one leaves the pod in ContainerCreating (mount failed); "
	}
	return fmt.Sprintf("Kubernetes cannot give the rabbitmq user (uid %d) write access to an NFS export (fsGroup does not apply to NFS): %srun `%s` on %s, or export it with all_squash,anonuid=%d,anongid=%d; then set permissionsPrepared: true", uid, missing, prepare, nfs.Server, uid, gid)
}
