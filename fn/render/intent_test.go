package render_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// Intent tests: what each feature must produce, stated as typed objects, beside the goldens
// (which pin every byte but do not say which bytes matter). Every config is rendered as
// rabbitmq in namespace mq (renderSpec).

// confValues reads rabbitmq.conf's "key = value" lines.
func confValues(t *testing.T, out render.Output) map[string]string {
	t.Helper()
	cm := find[*corev1.ConfigMap](out.Objects, "rabbitmq-config")
	if cm == nil {
		t.Fatal("no ConfigMap rabbitmq-config")
	}
	values := map[string]string{}
	for _, line := range strings.Split(cm.Data["rabbitmq.conf"], "\n") {
		if key, value, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(line, "#") {
			values[key] = value
		}
	}
	return values
}

// wantConf checks rabbitmq.conf's values; an empty wanted value means the key must be absent.
func wantConf(t *testing.T, conf map[string]string, want map[string]string) {
	t.Helper()
	for key, value := range want {
		if got, ok := conf[key]; value == "" && ok || value != "" && got != value {
			t.Errorf("rabbitmq.conf: %s = %q, want %q (empty: absent)", key, got, value)
		}
	}
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// rabbitmqPod is the RabbitMQ StatefulSet and its RabbitMQ container.
func rabbitmqPod(t *testing.T, out render.Output) (*appsv1.StatefulSet, corev1.Container) {
	t.Helper()
	sts := find[*appsv1.StatefulSet](out.Objects, "rabbitmq")
	if sts == nil {
		t.Fatal("no StatefulSet rabbitmq")
	}
	return sts, sts.Spec.Template.Spec.Containers[0]
}

type discoveryCase struct {
	name, spec string
	plugin     string            // the peer discovery plugin enabled_plugins lists ("": built in)
	apiAccess  bool              // Role and RoleBinding, a mounted token, K8S_HOSTNAME_SUFFIX
	etcd       bool              // an etcd StatefulSet and Service are deployed
	conf       map[string]string // rabbitmq.conf values ("": absent)
}

// k8sDiscovery is k8s discovery on an image: before 4.1 the plugin lists the headless
// Service's Endpoints through the API; from 4.1 pod 0 seeds the cluster without the API.
func k8sDiscovery(version string, api bool) discoveryCase {
	conf := map[string]string{"cluster_formation.peer_discovery_backend": "rabbit_peer_discovery_k8s",
		"cluster_formation.k8s.service_name": "", "cluster_formation.k8s.address_type": ""}
	if api {
		conf["cluster_formation.k8s.service_name"], conf["cluster_formation.k8s.address_type"] = "rabbitmq-nodes", "hostname"
	}
	return discoveryCase{"k8s " + version, "  image: rabbitmq:" + version + "-management\n", "rabbitmq_peer_discovery_k8s", api, false, conf}
}

func TestDiscoveryModesBySeries(t *testing.T) {
	etcdConf := func(endpoint string) map[string]string {
		return map[string]string{"cluster_formation.peer_discovery_backend": "rabbit_peer_discovery_etcd", "cluster_formation.etcd.endpoints.1": endpoint}
	}
	classicConf := map[string]string{"cluster_formation.peer_discovery_backend": "rabbit_peer_discovery_classic_config",
		"cluster_formation.classic_config.nodes.1": "rabbit@rabbitmq-0.rabbitmq-nodes.mq.svc.cluster.local",
		"cluster_formation.classic_config.nodes.3": "rabbit@rabbitmq-2.rabbitmq-nodes.mq.svc.cluster.local"}
	dnsConf := func(delay string) map[string]string {
		return map[string]string{"cluster_formation.peer_discovery_backend": "rabbit_peer_discovery_dns",
			"cluster_formation.dns.hostname": "rabbitmq-nodes.mq.svc.cluster.local", "cluster_formation.randomized_startup_delay_range.max": delay}
	}
	for _, tc := range []discoveryCase{
		k8sDiscovery("3.10.8", true), k8sDiscovery("3.13.7", true), k8sDiscovery("4.0.5", true),
		k8sDiscovery("4.1.4", false), k8sDiscovery("4.3.6", false),
		{"etcd external 3.10", "  image: rabbitmq:3.10.8-management\n  discovery: {mode: etcd, etcd: {endpoints: [etcd.infra:2379]}}\n",
			"rabbitmq_peer_discovery_etcd", false, false, etcdConf("etcd.infra:2379")},
		{"etcd deployed 4.2", "  image: rabbitmq:4.2.3-management\n  discovery: {mode: etcd, etcd: {deploy: true}}\n",
			"rabbitmq_peer_discovery_etcd", false, true, etcdConf("rabbitmq-etcd:2379")},
		{"classic 3.10", "  image: rabbitmq:3.10.8-management\n  discovery: {mode: classic}\n", "", false, false, classicConf},
		{"classic 4.3", "  image: rabbitmq:4.3.6-management\n  discovery: {mode: classic}\n", "", false, false, classicConf},
		{"dns 3.8.16 waits a random delay", "  image: rabbitmq:3.8.16-management\n  discovery: {mode: dns}\n", "", false, false, dnsConf("30")},
		{"dns 3.13 agrees on a seed", "  image: rabbitmq:3.13.7-management\n  discovery: {mode: dns}\n", "", false, false, dnsConf("")},
		{"dns 4.3", "  image: rabbitmq:4.3.6-management\n  discovery: {mode: dns}\n", "", false, false, dnsConf("")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDiscovery(t, tc) })
	}
}

func checkDiscovery(t *testing.T, tc discoveryCase) {
	out := renderSpec(t, tc.spec)
	sts, c := rabbitmqPod(t, out)
	wantConf(t, confValues(t, out), tc.conf)
	plugins := find[*corev1.ConfigMap](out.Objects, "rabbitmq-config").Data["enabled_plugins"]
	for _, p := range []string{"rabbitmq_peer_discovery_k8s", "rabbitmq_peer_discovery_etcd"} {
		if got := strings.Contains(plugins, p); got != (p == tc.plugin) {
			t.Errorf("enabled_plugins %q: %s enabled = %v, want %v", plugins, p, got, !got)
		}
	}
	// Long node names at the headless Service, in every mode: IP-based names lose data.
	if sts.Spec.ServiceName != "rabbitmq-nodes" || sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("serviceName %q, podManagementPolicy %q", sts.Spec.ServiceName, sts.Spec.PodManagementPolicy)
	}
	if name, _ := envValue(c, "RABBITMQ_NODENAME"); name != "rabbit@$(MY_POD_NAME).rabbitmq-nodes.$(MY_POD_NAMESPACE).svc.cluster.local" {
		t.Errorf("RABBITMQ_NODENAME = %q", name)
	}
	role, binding := find[*rbacv1.Role](out.Objects, "rabbitmq-peer-discovery"), find[*rbacv1.RoleBinding](out.Objects, "rabbitmq-peer-discovery")
	_, suffix := envValue(c, "K8S_HOSTNAME_SUFFIX")
	token := sts.Spec.Template.Spec.AutomountServiceAccountToken
	if got := []bool{role != nil, binding != nil, suffix, token != nil && *token}; slices.Contains(got, !tc.apiAccess) {
		t.Errorf("Role, RoleBinding, K8S_HOSTNAME_SUFFIX, token = %v, want all %v", got, tc.apiAccess)
	}
	if role != nil && !slices.Equal(role.Rules[0].Verbs, []string{"get"}) {
		t.Errorf("the Role grants %v", role.Rules)
	}
	etcdSts, etcdSvc := find[*appsv1.StatefulSet](out.Objects, "rabbitmq-etcd"), find[*corev1.Service](out.Objects, "rabbitmq-etcd")
	if (etcdSts != nil) != tc.etcd || (etcdSvc != nil) != tc.etcd {
		t.Errorf("etcd StatefulSet %v, Service %v, want %v", etcdSts != nil, etcdSvc != nil, tc.etcd)
	}
}

// portNames are a container's port names.
func portNames(c corev1.Container) []string {
	var names []string
	for _, p := range c.Ports {
		names = append(names, p.Name)
	}
	return names
}

func servicePortNames(svc *corev1.Service) []string {
	var names []string
	for _, p := range svc.Spec.Ports {
		names = append(names, p.Name)
	}
	return names
}

func mountOf(c corev1.Container, volume string) (corev1.VolumeMount, bool) {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return m, true
		}
	}
	return corev1.VolumeMount{}, false
}

func volumeOf(sts *appsv1.StatefulSet, name string) *corev1.Volume {
	for i, v := range sts.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return &sts.Spec.Template.Spec.Volumes[i]
		}
	}
	return nil
}

// TLS adds the TLS listeners next to the plain ones; disableNonTLSListeners closes the plain
// ones, except Prometheus's (scrapers inside the cluster keep working), and everything that
// pointed at a plain listener (readiness, node ports, the Ingress) moves to its TLS twin.
func TestTLSListeners(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		ports      []string // container ports = client Service ports (ClusterIP), in order
		readiness  string   // the readiness probe's port
		conf       map[string]string
	}{
		{"no TLS", "", []string{"epmd", "amqp", "management", "prometheus", "cluster-rpc"}, "amqp",
			map[string]string{"listeners.ssl.default": "", "listeners.tcp": ""}},
		{"TLS", "  tls: {secretName: mq-tls}\n", []string{"epmd", "amqp", "amqps", "management", "management-tls", "prometheus", "prometheus-tls", "cluster-rpc"}, "amqp",
			map[string]string{"listeners.ssl.default": "5671", "listeners.tcp": "", "ssl_options.certfile": "/etc/rabbitmq-tls/tls.crt"}},
		{"TLS only", "  tls: {secretName: mq-tls, disableNonTLSListeners: true}\n", []string{"epmd", "amqps", "management-tls", "prometheus", "prometheus-tls", "cluster-rpc"}, "amqps",
			map[string]string{"listeners.ssl.default": "5671", "listeners.tcp": "none", "management.ssl.port": "15671"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := renderSpec(t, tc.spec)
			sts, c := rabbitmqPod(t, out)
			if got := portNames(c); !slices.Equal(got, tc.ports) {
				t.Errorf("container ports %v, want %v", got, tc.ports)
			}
			clientPorts := slices.DeleteFunc(slices.Clone(tc.ports), func(p string) bool { return p == "epmd" || p == "cluster-rpc" })
			if got := servicePortNames(find[*corev1.Service](out.Objects, "rabbitmq")); !slices.Equal(got, clientPorts) {
				t.Errorf("client Service ports %v, want %v", got, clientPorts)
			}
			if got := c.ReadinessProbe.TCPSocket.Port.StrVal; got != tc.readiness {
				t.Errorf("readiness probe on %q, want %q", got, tc.readiness)
			}
			wantConf(t, confValues(t, out), tc.conf)
			vol, mount := volumeOf(sts, "tls"), corev1.VolumeMount{}
			if vol != nil {
				mount, _ = mountOf(c, "tls")
			}
			if tls := tc.spec != ""; (vol != nil) != tls || tls && (vol.Secret.SecretName != "mq-tls" || !mount.ReadOnly || mount.MountPath != "/etc/rabbitmq-tls") {
				t.Errorf("TLS volume %+v mounted %+v", vol, mount)
			}
		})
	}
}

// With TLS only, NodePort exposure and the Ingress reach the TLS listeners.
func TestTLSOnlyExposure(t *testing.T) {
	out := renderSpec(t, "  tls: {secretName: mq-tls, caSecretName: mq-ca, disableNonTLSListeners: true}\n"+
		"  exposure: {type: NodePort, nodePorts: {amqp: 30671, management: 31671}, ingress: {host: mq.example.com}}\n")
	nodePorts := map[string]int32{}
	for _, p := range find[*corev1.Service](out.Objects, "rabbitmq").Spec.Ports {
		nodePorts[p.Name] = p.NodePort
	}
	if nodePorts["amqps"] != 30671 || nodePorts["management-tls"] != 31671 || len(nodePorts) != 2 {
		t.Errorf("node ports %v, want only amqps 30671 and management-tls 31671 (metrics stay in the cluster)", nodePorts)
	}
	if port := ingressBackend(t, out).Port.Name; port != "management-tls" {
		t.Errorf("the Ingress goes to port %q, want management-tls", port)
	}
	sts, c := rabbitmqPod(t, out)
	if m, ok := mountOf(c, "tls-ca"); !ok || !m.ReadOnly || volumeOf(sts, "tls-ca").Secret.SecretName != "mq-ca" {
		t.Errorf("the CA Secret mq-ca is not mounted read-only: %+v", m)
	}
	wantConf(t, confValues(t, out), map[string]string{"ssl_options.cacertfile": "/etc/rabbitmq-tls-ca/ca.crt"})
}

type persistenceCase struct {
	name, spec string
	claimClass *string                        // the volumeClaimTemplate's storage class; nil: no template, or the default class
	template   bool                           // the StatefulSet has a volumeClaimTemplate "data"
	podVolume  func(corev1.VolumeSource) bool // the pod's own "data" volume, when there is one
	pvs        map[string]string              // PersistentVolume name -> NFS path
	warning    bool                           // a spec.persistence.emptyDir warning
}

// Every mode mounts the data volume at /var/lib/rabbitmq/mnesia, each pod keeping its own
// directory below it; NFS volumes are Retain with no storage class and pinned to their claim.
func TestPersistenceModes(t *testing.T) {
	nfs := "  persistence: {size: 5Gi, nfs: {server: nfs.example.com, path: /exports/mq%s}}\n"
	for _, tc := range []persistenceCase{
		{name: "per-pod claims, default class", spec: "", template: true},
		{name: "per-pod claims, a class", spec: "  persistence: {storageClassName: fast}\n", template: true, claimClass: ptrTo("fast")},
		{name: "NFS shared", spec: fmt.Sprintf(nfs, ""), pvs: map[string]string{"mq-rabbitmq-data": "/exports/mq"},
			podVolume: func(v corev1.VolumeSource) bool {
				return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "rabbitmq-data"
			}},
		{name: "NFS per pod", spec: fmt.Sprintf(nfs, ", perPod: true"), template: true, claimClass: ptrTo(""),
			pvs: map[string]string{"mq-rabbitmq-data-0": "/exports/mq/rabbitmq-0", "mq-rabbitmq-data-1": "/exports/mq/rabbitmq-1", "mq-rabbitmq-data-2": "/exports/mq/rabbitmq-2"}},
		{name: "emptyDir", spec: "  persistence: {emptyDir: true, size: 1Gi}\n", warning: true,
			podVolume: func(v corev1.VolumeSource) bool { return v.EmptyDir != nil && v.EmptyDir.SizeLimit.String() == "1Gi" }},
	} {
		t.Run(tc.name, func(t *testing.T) { checkPersistence(t, tc) })
	}
}

func ptrTo[T any](v T) *T { return &v }

func checkPersistence(t *testing.T, tc persistenceCase) {
	out := renderSpec(t, tc.spec)
	sts, c := rabbitmqPod(t, out)
	if m, ok := mountOf(c, "data"); !ok || m.MountPath != "/var/lib/rabbitmq/mnesia" || m.ReadOnly {
		t.Errorf("data mount %+v", m)
	}
	if base, _ := envValue(c, "RABBITMQ_MNESIA_BASE"); base != "/var/lib/rabbitmq/mnesia/$(MY_POD_NAME)" {
		t.Errorf("RABBITMQ_MNESIA_BASE = %q", base)
	}
	checkClaimTemplate(t, sts, tc)
	vol := volumeOf(sts, "data")
	if (vol != nil) != (tc.podVolume != nil) || vol != nil && !tc.podVolume(vol.VolumeSource) {
		t.Errorf("pod volume data: %+v", vol)
	}
	pvs := all[*corev1.PersistentVolume](out.Objects)
	if len(pvs) != len(tc.pvs) {
		t.Errorf("%d PersistentVolumes, want %d", len(pvs), len(tc.pvs))
	}
	for _, pv := range pvs {
		checkNFSVolume(t, out, pv, tc.pvs[pv.Name])
	}
	warned := slices.ContainsFunc(out.Warnings, func(w render.Warning) bool { return w.Field == "spec.persistence.emptyDir" })
	if warned != tc.warning {
		t.Errorf("emptyDir warning %v, want %v", warned, tc.warning)
	}
}

// checkClaimTemplate: per-pod claims are RWO templates kept when the StatefulSet scales down
// or goes away.
func checkClaimTemplate(t *testing.T, sts *appsv1.StatefulSet, tc persistenceCase) {
	t.Helper()
	if got := len(sts.Spec.VolumeClaimTemplates); got != map[bool]int{true: 1}[tc.template] {
		t.Fatalf("%d volumeClaimTemplates, want template %v", got, tc.template)
	}
	if !tc.template {
		return
	}
	vct := sts.Spec.VolumeClaimTemplates[0]
	class := vct.Spec.StorageClassName
	if vct.Name != "data" || !slices.Equal(vct.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) ||
		(class == nil) != (tc.claimClass == nil) || class != nil && *class != *tc.claimClass {
		t.Errorf("volumeClaimTemplate %s: modes %v, class %v, want class %v", vct.Name, vct.Spec.AccessModes, class, tc.claimClass)
	}
	if p := sts.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("claims are not retained: %+v", p)
	}
}

// checkNFSVolume: the PV is the NFS export (path), Retain, classless, and bound to exactly
// its claim: the shared claim (which names it back), or the StatefulSet's claim for its pod.
func checkNFSVolume(t *testing.T, out render.Output, pv *corev1.PersistentVolume, path string) {
	t.Helper()
	if nfs := pv.Spec.NFS; path == "" || nfs == nil || nfs.Server != "nfs.example.com" || nfs.Path != path {
		t.Errorf("PersistentVolume %s: NFS %+v, want path %q", pv.Name, nfs, path)
	}
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || pv.Spec.StorageClassName != "" || pv.Spec.ClaimRef == nil {
		t.Fatalf("PersistentVolume %s: reclaim %s, class %q, claimRef %v", pv.Name, pv.Spec.PersistentVolumeReclaimPolicy, pv.Spec.StorageClassName, pv.Spec.ClaimRef)
	}
	claim := pv.Spec.ClaimRef.Name
	if shared := find[*corev1.PersistentVolumeClaim](out.Objects, claim); shared != nil {
		if shared.Spec.VolumeName != pv.Name || *shared.Spec.StorageClassName != "" || shared.Spec.AccessModes[0] != corev1.ReadWriteMany {
			t.Errorf("claim %s: volumeName %q, class %q, modes %v", claim, shared.Spec.VolumeName, *shared.Spec.StorageClassName, shared.Spec.AccessModes)
		}
	} else if want := "data-rabbitmq-" + pv.Name[strings.LastIndex(pv.Name, "-")+1:]; claim != want || pv.Spec.ClaimRef.Namespace != "mq" {
		t.Errorf("PersistentVolume %s is pinned to %s/%s, want mq/%s", pv.Name, pv.Spec.ClaimRef.Namespace, claim, want)
	}
}

// Exposure: the client Service's type and node ports; metrics stay in the cluster (on the
// client Service only when it is ClusterIP); the Ingress publishes only the management UI.
func TestExposure(t *testing.T) {
	for _, tc := range []struct {
		name, spec string
		typ        corev1.ServiceType
		ports      map[string]int32 // client Service port -> node port
		check      func(t *testing.T, out render.Output)
	}{
		{"ClusterIP", "", corev1.ServiceTypeClusterIP, map[string]int32{"amqp": 0, "management": 0, "prometheus": 0}, nil},
		{"NodePort", "  exposure: {type: NodePort, nodePorts: {amqp: 30672, management: 31672}}\n", corev1.ServiceTypeNodePort,
			map[string]int32{"amqp": 30672, "management": 31672}, nil},
		{"NodePort, allocated", "  exposure: {type: NodePort}\n", corev1.ServiceTypeNodePort, map[string]int32{"amqp": 0, "management": 0}, nil},
		{"LoadBalancer", "  exposure: {type: LoadBalancer, loadBalancer: {sourceRanges: [10.0.0.0/8], annotations: {a: b}, class: c}}\n",
			corev1.ServiceTypeLoadBalancer, map[string]int32{"amqp": 0, "management": 0}, checkLoadBalancer},
		{"Ingress", "  exposure: {ingress: {host: mq.example.com, className: nginx, tlsSecretName: ui-tls}}\n",
			corev1.ServiceTypeClusterIP, map[string]int32{"amqp": 0, "management": 0, "prometheus": 0}, checkIngress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := renderSpec(t, tc.spec)
			svc := find[*corev1.Service](out.Objects, "rabbitmq")
			ports := map[string]int32{}
			for _, p := range svc.Spec.Ports {
				ports[p.Name] = p.NodePort
			}
			if svc.Spec.Type != tc.typ || !maps.Equal(ports, tc.ports) {
				t.Errorf("client Service %s %v, want %s %v", svc.Spec.Type, ports, tc.typ, tc.ports)
			}
			if headless := find[*corev1.Service](out.Objects, "rabbitmq-nodes"); headless.Spec.Type != "" || headless.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("the headless Service is exposed: %s %s", headless.Spec.Type, headless.Spec.ClusterIP)
			}
			if ing := find[*networkingv1.Ingress](out.Objects, "rabbitmq-management"); (ing != nil) != (tc.name == "Ingress") {
				t.Errorf("Ingress rendered: %v", ing != nil)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

func checkLoadBalancer(t *testing.T, out render.Output) {
	svc := find[*corev1.Service](out.Objects, "rabbitmq")
	if !slices.Equal(svc.Spec.LoadBalancerSourceRanges, []string{"10.0.0.0/8"}) || svc.Annotations["a"] != "b" || *svc.Spec.LoadBalancerClass != "c" {
		t.Errorf("LoadBalancer: ranges %v, annotations %v, class %v", svc.Spec.LoadBalancerSourceRanges, svc.Annotations, svc.Spec.LoadBalancerClass)
	}
}

func ingressBackend(t *testing.T, out render.Output) *networkingv1.IngressServiceBackend {
	t.Helper()
	ing := find[*networkingv1.Ingress](out.Objects, "rabbitmq-management")
	if ing == nil || len(ing.Spec.Rules) != 1 || len(ing.Spec.Rules[0].HTTP.Paths) != 1 {
		t.Fatalf("want one Ingress rule with one path: %+v", ing)
	}
	return ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
}

func checkIngress(t *testing.T, out render.Output) {
	ing := find[*networkingv1.Ingress](out.Objects, "rabbitmq-management")
	rule := ing.Spec.Rules[0]
	if b := ingressBackend(t, out); rule.Host != "mq.example.com" || b.Name != "rabbitmq" || b.Port.Name != "management" {
		t.Errorf("Ingress rule %s -> %s:%s, want mq.example.com -> rabbitmq:management", rule.Host, b.Name, b.Port.Name)
	}
	if *ing.Spec.IngressClassName != "nginx" || len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "ui-tls" || ing.Spec.TLS[0].Hosts[0] != "mq.example.com" {
		t.Errorf("Ingress class %v, TLS %+v", ing.Spec.IngressClassName, ing.Spec.TLS)
	}
}
