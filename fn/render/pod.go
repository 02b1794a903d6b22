package render

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// Paths inside the RabbitMQ container.
const (
	homeDir = "/var/lib/rabbitmq" // HOME of the rabbitmq user: the cookie lives here
	dataDir = "/var/lib/rabbitmq/mnesia"
	// mainConfigFile is where every RabbitMQ image looks for rabbitmq.conf. It must exist:
	// the 3.8 images' entrypoint writes one there when it is missing (with
	// loopback_users.guest = false), which fails on a read-only root and crash-loops the pod.
	mainConfigFile = "/etc/rabbitmq/rabbitmq.conf"
	// confDir is an emptyDir: it hides the image's own conf.d files, which RabbitMQ reads after
	// rabbitmq.conf (the 3.9+ images' 10-defaults.conf sets loopback_users.guest = false).
	confDir      = "/etc/rabbitmq/conf.d"
	pluginsDir   = "/etc/rabbitmq/plugins"
	cookieSecret = "/tmp/erlang-cookie-secret"
	userSecret   = "/tmp/default-user-secret"
	// imagePluginsDir is where the official images keep the plugins they ship.
	imagePluginsDir     = "/opt/rabbitmq/plugins"
	communityPluginsDir = "/opt/rabbitmq-krm/plugins"
	podInfoDir          = "/etc/pod-info"
	// clusterSizeDir holds the ConfigMap's replicas key as a file. A directory mount (not a
	// subPath) is refreshed by the kubelet, so a restarted container reads the current size.
	clusterSizeDir  = "/etc/rabbitmq-cluster-size"
	clusterSizeFile = clusterSizeDir + "/" + keyReplicas
	// advancedConfigFile is spec.advancedConfig with the default user's credentials as Erlang
	// terms: rabbitmq.conf would cut a password at '#', expand "$(...)" and trim spaces.
	// conf.d loads *.conf only. The setup container writes it from the ConfigMap's template.
	advancedConfigFile  = confDir + "/advanced.config"
	advancedTemplateDir = "/etc/rabbitmq-krm/advanced"
	cookieFileName      = ".erlang.cookie"

	// SkipPreStopChecksLabel on a pod makes its preStop hook exit at once (for deliberate
	// full-cluster shutdowns, where waiting for quorum can never succeed).
	SkipPreStopChecksLabel = "skipPreStopChecks"
)

// Volume names.
const (
	volHome             = "home"
	volTmp              = "tmp"
	volLogs             = "logs"
	volConfD            = "conf-d"
	volConfig           = "config"
	volPlugins          = "plugins"
	volCookie           = "erlang-cookie-secret"
	volPodInfo          = "pod-info"
	volClusterSize      = "cluster-size"
	volUser             = "default-user-secret"
	volTLS              = "tls"
	volTLSCA            = "tls-ca"
	volCommunityPlugins = "community-plugins"
	volAdvanced         = "advanced-config"
)

func (k *cluster) podTemplate() corev1.PodTemplateSpec {
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      merged(k.Spec.Pod.Labels, k.labels()),
			Annotations: merged(k.Spec.Pod.Annotations, k.ownPodAnnotations()),
		},
		Spec: corev1.PodSpec{
			ServiceAccountName:            k.names.ServiceAccount(),
			AutomountServiceAccountToken:  ptr(k.needsKubernetesAPI()),
			EnableServiceLinks:            ptr(false), // no injected *_PORT variables that could shadow K8S_* settings
			TerminationGracePeriodSeconds: k.Spec.TerminationGracePeriodSeconds,
			SecurityContext:               k.podSecurityContext(),
			Affinity:                      k.affinity(),
			TopologySpreadConstraints:     k.topologySpread(),
			InitContainers:                k.initContainers(),
			Containers:                    []corev1.Container{k.rabbitmqContainer()},
			Volumes:                       k.volumes(),
			PriorityClassName:             k.Spec.Pod.PriorityClassName,
		},
	}
	k.place(&tmpl.Spec)
	return tmpl
}

// podSecurityContext and containerSecurityContext satisfy the restricted Pod Security profile.
func (k *cluster) podSecurityContext() *corev1.PodSecurityContext {
	uid, gid := rabbitmqUser(k.Spec.Image)
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        ptr(true),
		RunAsUser:           ptr(uid),
		RunAsGroup:          ptr(gid),
		FSGroup:             ptr(gid),
		FSGroupChangePolicy: ptr(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// rabbitmqUser is the rabbitmq user of the official images: 999:999 on Ubuntu, 100:101 on
// Alpine. Running as the image's own user keeps the files it ships readable.
func rabbitmqUser(image string) (uid, gid int64) {
	if strings.Contains(image, "alpine") {
		return 100, 101
	}
	return 999, 999
}

func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr(true),
		AllowPrivilegeEscalation: ptr(false),
		ReadOnlyRootFilesystem:   ptr(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

func (k *cluster) initContainers() []corev1.Container {
	c := []corev1.Container{k.setupContainer()}
	if len(k.Spec.CommunityPlugins) > 0 {
		c = append(c, k.pluginDownloadContainer())
	}
	if k.Spec.Definitions != nil {
		c = append(c, k.definitionsContainer())
	}
	return c
}

// initResources fit a shell or a short-lived Erlang VM.
func initResources(memory string) corev1.ResourceRequirements {
	l := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse(memory)}
	return corev1.ResourceRequirements{Requests: l, Limits: l.DeepCopy()}
}

// setupContainer prepares the files RabbitMQ reads at boot:
//   - the cookie, copied from the Secret into HOME as a 0600 file: Erlang refuses a cookie
//     file others can read, and the cookie must never be in env or args (visible in ps) nor
//     on the shared data volume;
//   - with spec.advancedConfig or spec.defaultUser, a 0600 conf.d/advanced.config: the
//     ConfigMap's template with the default user's credentials put in from its Secret
//     (never in the ConfigMap), as Erlang binaries, so every character of a password
//     arrives intact.
func (k *cluster) setupContainer() corev1.Container {
	cookie := homeDir + "/" + cookieFileName
	script := fmt.Sprintf("set -eu; cp %s/%s %s; chmod 600 %s", cookieSecret, cookieFileName, cookie, cookie)
	mounts := []corev1.VolumeMount{
		{Name: volCookie, MountPath: cookieSecret, ReadOnly: true},
		{Name: volHome, MountPath: homeDir},
		{Name: volConfD, MountPath: confDir},
	}
	if k.files.AdvancedConfig != "" {
		script += "; " + k.advancedConfigScript()
		mounts = append(mounts, corev1.VolumeMount{Name: volAdvanced, MountPath: advancedTemplateDir, ReadOnly: true})
	}
	if k.Spec.DefaultUser != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: volUser, MountPath: userSecret, ReadOnly: true})
	}
	return corev1.Container{
		Name:            "setup",
		Image:           k.Spec.Image,
		Command:         []string{"sh", "-c", script},
		Resources:       initResources("64Mi"),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    mounts,
	}
}

// advancedConfigScript copies the advanced.config template line by line (read -r keeps
// backslashes and leading blanks), replacing the rabbitconf.DefaultUserMarker line with the
// credentials and the rest of that line. printf is a shell builtin and sed reads the files:
// the credentials never appear in a process's arguments. sed escapes \ and " for an Erlang
// string; the assignments make a failing sed fail the container (set -e). No /utf8: RabbitMQ
// reads the file as Latin-1, so plain binaries carry the Secret's bytes unchanged.
func (k *cluster) advancedConfigScript() string {
	script := "umask 077; "
	if k.Spec.DefaultUser != nil {
		script += fmt.Sprintf(`esc() { sed -e 's/[\\"]/\\&/g' "%s/$1"; }; u=$(esc username); p=$(esc password); `, userSecret)
	}
	return script + fmt.Sprintf(`m='%s'; while IFS= read -r l; do case "$l" in "$m"*) `+
		`printf '{default_user, <<"%%s">>}, {default_pass, <<"%%s">>}%%s\n' "$u" "$p" "${l#"$m"}" ;; *) printf '%%s\n' "$l" ;; esac; done < %s/%s > %s`,
		rabbitconf.DefaultUserMarker, advancedTemplateDir, keyAdvancedConfig, advancedConfigFile)
}

func (k *cluster) rabbitmqContainer() corev1.Container {
	return corev1.Container{
		Name:         "rabbitmq",
		Image:        k.Spec.Image,
		Env:          k.env(),
		Resources:    k.resources(),
		Ports:        k.containerPorts(),
		StartupProbe: k.startupProbe(),
		// TCP, not rabbitmq-diagnostics: a CLI probe starts an Erlang VM each time and times
		// out under load, marking healthy nodes unready.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(k.amqpListeners()[0].name)}},
			// No initial delay: the startup probe holds readiness back until the node has booted.
			PeriodSeconds:    10,
			TimeoutSeconds:   5,
			FailureThreshold: 3,
		},
		Lifecycle:       &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: k.preStopCommand()}}},
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    k.rabbitmqMounts(),
	}
}

func (k *cluster) containerPorts() []corev1.ContainerPort {
	ports := []corev1.ContainerPort{containerPort("epmd", rabbitconf.PortEPMD)}
	for _, l := range k.clientListeners() {
		ports = append(ports, l.containerPort())
	}
	return append(ports, containerPort("cluster-rpc", rabbitconf.PortDist))
}

func (k *cluster) rabbitmqMounts() []corev1.VolumeMount {
	mounts := []corev1.VolumeMount{
		{Name: volHome, MountPath: homeDir},
		{Name: k.names.DataVolume(), MountPath: dataDir},
		{Name: volConfig, MountPath: mainConfigFile, SubPath: keyRabbitmqConf, ReadOnly: true},
		{Name: volConfD, MountPath: confDir, ReadOnly: true},
		{Name: volPlugins, MountPath: pluginsDir, ReadOnly: true},
		{Name: volPodInfo, MountPath: podInfoDir, ReadOnly: true},
		{Name: volClusterSize, MountPath: clusterSizeDir, ReadOnly: true},
		{Name: volTmp, MountPath: "/tmp"},
		// Logs go to the console, but RabbitMQ still writes its upgrade log (and crash
		// dumps) here; with a read-only root filesystem a boot fails without it.
		{Name: volLogs, MountPath: "/var/log/rabbitmq"},
	}
	if k.Spec.TLS != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: volTLS, MountPath: rabbitconf.TLSDir, ReadOnly: true})
		if k.Spec.TLS.CASecretName != "" {
			mounts = append(mounts, corev1.VolumeMount{Name: volTLSCA, MountPath: rabbitconf.TLSCADir, ReadOnly: true})
		}
	}
	if len(k.Spec.CommunityPlugins) > 0 {
		mounts = append(mounts, corev1.VolumeMount{Name: volCommunityPlugins, MountPath: communityPluginsDir, ReadOnly: true})
	}
	if k.Spec.Definitions != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: volDefinitions, MountPath: rabbitconf.DefinitionsDir, ReadOnly: true})
	}
	return mounts
}

func (k *cluster) resources() corev1.ResourceRequirements {
	r := k.Spec.Resources
	list := func(c v1alpha1.ComputeResources) corev1.ResourceList {
		l := corev1.ResourceList{}
		if c.CPU != "" {
			l[corev1.ResourceCPU] = resource.MustParse(string(c.CPU))
		}
		if c.Memory != "" {
			l[corev1.ResourceMemory] = resource.MustParse(string(c.Memory))
		}
		return l
	}
	return corev1.ResourceRequirements{Requests: list(r.Requests), Limits: list(r.Limits)}
}

func containerPort(name string, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP}
}

// env defines every variable before a later one refers to it as $(VAR); spec.env comes
// last, so it may refer to the function's own.
func (k *cluster) env() []corev1.EnvVar {
	return append(k.ownEnv(), k.Spec.Env...)
}

// ownEnv are the variables the function sets (Validate refuses them in spec.env).
func (k *cluster) ownEnv() []corev1.EnvVar {
	fqdnSuffix := k.nodeSuffix()
	env := []corev1.EnvVar{
		fieldEnv("MY_POD_NAME", "metadata.name"),
		fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
		{Name: "RABBITMQ_USE_LONGNAME", Value: "true"},
		{Name: "RABBITMQ_NODENAME", Value: "rabbit@$(MY_POD_NAME)." + fqdnSuffix},
	}
	if k.needsKubernetesAPI() {
		env = append(env, corev1.EnvVar{Name: "K8S_HOSTNAME_SUFFIX", Value: "." + fqdnSuffix})
	}
	env = append(env,
		// Every pod keeps its data in its own directory, also when all pods share one volume.
		corev1.EnvVar{Name: "RABBITMQ_MNESIA_BASE", Value: dataDir + "/$(MY_POD_NAME)"},
		corev1.EnvVar{Name: "RABBITMQ_ENABLED_PLUGINS_FILE", Value: pluginsDir + "/" + keyEnabledPlugins},
	)
	if k.files.AdvancedConfig != "" {
		env = append(env, corev1.EnvVar{Name: "RABBITMQ_ADVANCED_CONFIG_FILE", Value: advancedConfigFile})
	}
	if len(k.Spec.CommunityPlugins) > 0 {
		env = append(env, corev1.EnvVar{Name: "RABBITMQ_PLUGINS_DIR", Value: imagePluginsDir + ":" + communityPluginsDir})
	}
	return env
}

// nodeSuffix follows the pod name in a node's FQDN; it needs $(MY_POD_NAMESPACE) defined
// before it.
func (k *cluster) nodeSuffix() string {
	return fmt.Sprintf("%s.$(MY_POD_NAMESPACE).svc.%s", k.names.HeadlessService(), k.Spec.ClusterDomain)
}

func fieldEnv(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}}
}

func (k *cluster) volumes() []corev1.Volume {
	vols := []corev1.Volume{
		{Name: volHome, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: volTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: volLogs, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: volConfD, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		k.configMapVolume(volConfig, keyRabbitmqConf, keyRabbitmqConf),
		k.configMapVolume(volPlugins, keyEnabledPlugins, keyEnabledPlugins),
		k.configMapVolume(volClusterSize, keyReplicas, keyReplicas),
		k.cookieVolume(),
		{Name: volPodInfo, VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{{
				Path:     SkipPreStopChecksLabel,
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: fmt.Sprintf("metadata.labels['%s']", SkipPreStopChecksLabel)},
			}},
		}}},
	}
	if k.files.AdvancedConfig != "" {
		vols = append(vols, k.configMapVolume(volAdvanced, keyAdvancedConfig, keyAdvancedConfig))
	}
	if u := k.Spec.DefaultUser; u != nil {
		vols = append(vols, secretVolume(volUser, u.SecretName, []corev1.KeyToPath{{Key: "username", Path: "username"}, {Key: "password", Path: "password"}}))
	}
	if t := k.Spec.TLS; t != nil {
		vols = append(vols, secretVolume(volTLS, t.SecretName, []corev1.KeyToPath{{Key: "tls.crt", Path: "tls.crt"}, {Key: "tls.key", Path: "tls.key"}}))
		if t.CASecretName != "" {
			vols = append(vols, secretVolume(volTLSCA, t.CASecretName, []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}))
		}
	}
	if len(k.Spec.CommunityPlugins) > 0 {
		vols = append(vols, corev1.Volume{Name: volCommunityPlugins, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	}
	if k.Spec.Definitions != nil {
		vols = append(vols, k.definitionsVolumes()...)
	}
	if src, ok := k.dataVolumeSource(); ok {
		vols = append(vols, corev1.Volume{Name: k.names.DataVolume(), VolumeSource: src})
	}
	return vols
}

func (k *cluster) cookieVolume() corev1.Volume {
	return secretVolume(volCookie, k.Spec.ErlangCookie.SecretName, []corev1.KeyToPath{{Key: k.Spec.ErlangCookie.SecretKey, Path: cookieFileName}})
}

// secretVolume mounts Secret keys readable by the rabbitmq group only (fsGroup).
func secretVolume(name, secret string, items []corev1.KeyToPath) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
		SecretName:  secret,
		Items:       items,
		DefaultMode: ptr(int32(0o440)),
	}}}
}

func (k *cluster) configMapVolume(name, key, path string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: k.names.ConfigMap()},
		Items:                []corev1.KeyToPath{{Key: key, Path: path}},
	}}}
}

// preStopCommand drains the node gracefully: wait until quorum queues (and, before 4.0,
// mirrored queues) keep a majority without this node, then move its clients away. A pod
// labelled skipPreStopChecks=true skips the waiting (full-cluster shutdowns). It fails only
// when a running node cannot be drained.
func (k *cluster) preStopCommand() []string {
	t := *k.Spec.TerminationGracePeriodSeconds
	script := fmt.Sprintf(`if [ "$(cat %s/%s 2>/dev/null)" = "true" ]; then exit 0; fi; `, podInfoDir, SkipPreStopChecksLabel)
	script += fmt.Sprintf("rabbitmq-upgrade await_online_quorum_plus_one -t %d", t)
	if !k.series.AtLeast(4, 0) {
		script += fmt.Sprintf(" && rabbitmq-upgrade await_online_synchronized_mirror -t %d", t)
	}
	// A node that is not running (paused by pause_minority when the whole cluster stops) has
	// nothing to drain: then a failed drain is success, or the kubelet records FailedPreStopHook.
	script += fmt.Sprintf(" || true; rabbitmq-upgrade drain -t %d || ! rabbitmq-diagnostics -q check_running", t)
	return []string{"/bin/sh", "-c", script}
}
