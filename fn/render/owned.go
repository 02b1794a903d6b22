package render

import (
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// Validate refuses spec.additionalConfig keys, spec.advancedConfig entries, spec.env
// variables and spec.pod / spec.exposure labels and annotations that the rendered output
// already sets; it learns them from the code that sets them (v1alpha1 cannot import this
// package).
func init() { v1alpha1.OwnedBy = owned }

// ownPrefix is rabbitmq-krm's own label and annotation prefix (the config checksum, the
// headless Service's role that the ServiceMonitor selects, the warnings, ...).
var ownPrefix = v1alpha1.OwnedKey{Key: "rabbitmq-krm.dev/*", Owner: "keys under rabbitmq-krm.dev/ are rabbitmq-krm's own"}

// Annotations kpt and kustomize read on every object of the output: on the client Service,
// config.kubernetes.io/local-config would drop it from the output, internal.* move or rename it.
var (
	orchestratorKeys         = v1alpha1.OwnedKey{Key: "config.kubernetes.io/*", Owner: "kpt and kustomize read them on the output: local-config: \"true\" would drop the Service"}
	internalOrchestratorKeys = v1alpha1.OwnedKey{Key: "internal.config.kubernetes.io/*", Owner: "kpt and kustomize record where an object comes from in them"}
)

// securityAnnotations are the deprecated seccomp and AppArmor annotations: the pods' security
// context (restricted Pod Security) is the function's, and the API server refuses a pod
// whose seccomp annotation contradicts its seccompProfile, Pod Security one with an
// unconfined AppArmor annotation; the StatefulSet would be accepted and create no pod.
var securityAnnotations = func() []v1alpha1.OwnedKey {
	const why = "deprecated; rabbitmq-krm sets the pods' security context for the restricted Pod Security profile, and a contradicting annotation makes the pods' creation fail"
	return []v1alpha1.OwnedKey{
		{Key: corev1.SeccompPodAnnotationKey, Owner: why},
		{Key: corev1.SeccompContainerAnnotationKeyPrefix + "*", Owner: why},
		{Key: corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "*", Owner: why},
	}
}()

func owned(c *v1alpha1.RabbitMQCluster) v1alpha1.Owned {
	k := newCluster(c)
	o := v1alpha1.Owned{ConfKeys: rabbitconf.WrittenKeys(c), Selector: k.selector()}
	for _, e := range k.ownEnv() {
		o.Env = append(o.Env, e.Name)
	}
	o.PodLabels = append(k.ownLabelKeys(), ownPrefix,
		v1alpha1.OwnedKey{Key: SkipPreStopChecksLabel, Owner: "the preStop hook reads it to skip draining; set it with kubectl label on the pods, for a full-cluster stop only"},
		v1alpha1.OwnedKey{Key: appsv1.StatefulSetPodNameLabel, Owner: "the StatefulSet controller sets it on each pod"},
		v1alpha1.OwnedKey{Key: appsv1.ControllerRevisionHashLabelKey, Owner: "the StatefulSet controller sets it on each pod"},
		v1alpha1.OwnedKey{Key: appsv1.PodIndexLabel, Owner: "the StatefulSet controller sets it on each pod"},
	)
	for key := range k.ownPodAnnotations() {
		o.PodAnnotations = append(o.PodAnnotations, v1alpha1.OwnedKey{Key: key, Owner: "rabbitmq-krm sets it; it changes with the ConfigMap so that a config change restarts the pods"})
	}
	o.PodAnnotations = append(append(o.PodAnnotations, ownPrefix), securityAnnotations...)
	o.ServiceLabels = append(k.ownLabelKeys(), ownPrefix)
	o.ServiceAnnotations = []v1alpha1.OwnedKey{ownPrefix, orchestratorKeys, internalOrchestratorKeys}
	return o
}

// ownLabelKeys are the labels on every object of the cluster, with why they are set.
func (k *cluster) ownLabelKeys() []v1alpha1.OwnedKey {
	selector := k.selector()
	var keys []v1alpha1.OwnedKey
	for _, key := range slices.Sorted(maps.Keys(k.labels())) {
		why := "rabbitmq-krm sets it on every object it generates"
		if _, ok := selector[key]; ok {
			why = "rabbitmq-krm sets it; it selects the RabbitMQ pods for the StatefulSet, the Services and the PodDisruptionBudget"
		}
		keys = append(keys, v1alpha1.OwnedKey{Key: key, Owner: why})
	}
	return keys
}
