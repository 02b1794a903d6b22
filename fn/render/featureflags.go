package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Feature flag Job settings.
const (
	componentFeatureFlags = "feature-flags"
	// featureFlagsDeadline covers a slow rollout: every pod may drain for its grace period.
	featureFlagsDeadline = 6 * 3600
	// featureFlagsTTL removes a finished Job after a day. kubectl or kustomize re-applying it
	// afterwards runs it again, which is harmless: every flag is already enabled.
	featureFlagsTTL = 24 * 3600
	// RabbitMQVersionAnnotation records the version a StatefulSet or Job was rendered for.
	RabbitMQVersionAnnotation = "rabbitmq-krm.dev/rabbitmq-version"
)

// featureFlagsJob enables every stable feature flag once every node runs the rendered
// version: the step the operator runs after an upgrade. The next series refuses to boot
// without the flags of this one (4.0 needs every 3.13 flag, 4.3 needs khepri_db, stable from
// 4.2). Its name hashes its template, which Kubernetes never updates in place, so any change
// (a new image first of all) is a new Job; Argo CD runs it as a PostSync hook instead.
func (k *cluster) featureFlagsJob() Object {
	spec := batchv1.JobSpec{
		BackoffLimit:            ptr(int32(3)),
		ActiveDeadlineSeconds:   ptr(int64(featureFlagsDeadline)),
		TTLSecondsAfterFinished: ptr(int32(featureFlagsTTL)),
		Template:                k.featureFlagsPod(),
	}
	meta := k.meta(k.names.FeatureFlagsJob(shortHash(spec)))
	meta.Labels = k.featureFlagsLabels()
	meta.Annotations = map[string]string{
		RabbitMQVersionAnnotation:               k.TargetVersion(),
		"argocd.argoproj.io/hook":               "PostSync",
		"argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
	}
	return &batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: meta, Spec: spec}
}

// featureFlagsLabels differ from the brokers' selector in app.kubernetes.io/name: the Job's
// pod must never be a Service endpoint, a discovered peer, or count in the PodDisruptionBudget.
func (k *cluster) featureFlagsLabels() map[string]string {
	l := k.labels()
	l[labelName] = "rabbitmq-" + componentFeatureFlags
	l[LabelComponent] = componentFeatureFlags
	return l
}

func (k *cluster) featureFlagsSelector() map[string]string {
	return map[string]string{labelName: "rabbitmq-" + componentFeatureFlags, LabelInstance: k.Name}
}

// featureFlagsPod runs where the brokers may run (spec.pod's nodeSelector, tolerations and
// imagePullSecrets: it pulls the same image), without their priority: it never preempts.
func (k *cluster) featureFlagsPod() corev1.PodTemplateSpec {
	l := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")}
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: k.featureFlagsLabels()},
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyOnFailure,
			ServiceAccountName:           k.names.ServiceAccount(),
			AutomountServiceAccountToken: ptr(false),
			EnableServiceLinks:           ptr(false),
			// An FQDN in /etc/hosts: the CLI needs one for its own long node name.
			Subdomain:       k.names.HeadlessService(),
			SecurityContext: k.podSecurityContext(),
			Containers: []corev1.Container{{
				Name:    componentFeatureFlags,
				Image:   k.Spec.Image,
				Command: []string{"/bin/sh", "-c", k.featureFlagsScript()},
				Env: []corev1.EnvVar{
					fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
					{Name: "RABBITMQ_USE_LONGNAME", Value: "true"},
					{Name: "HOME", Value: homeDir},
					{Name: "NODE_SUFFIX", Value: k.nodeSuffix()},
				},
				// No CPU limit: each CLI call starts an Erlang VM.
				Resources:       corev1.ResourceRequirements{Requests: l, Limits: corev1.ResourceList{corev1.ResourceMemory: l[corev1.ResourceMemory]}},
				SecurityContext: containerSecurityContext(),
				VolumeMounts: []corev1.VolumeMount{
					{Name: volHome, MountPath: homeDir},
					{Name: volTmp, MountPath: "/tmp"},
					{Name: volCookie, MountPath: cookieSecret, ReadOnly: true}, // inside /tmp: after it
					{Name: volClusterSize, MountPath: clusterSizeDir, ReadOnly: true},
				},
			}},
			Volumes: []corev1.Volume{
				k.cookieVolume(),
				{Name: volHome, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: volTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				k.configMapVolume(volClusterSize, keyReplicas, keyReplicas),
			},
		},
	}
	k.place(&tmpl.Spec)
	return tmpl
}

// featureFlagsScript waits until every node answers with the CLI's own version (the Job runs
// the cluster's image), then enables all stable flags through node 0. Any failure, such as a
// node still booting, is retried until the Job's deadline, every 30 s: each try starts a CLI VM
// per node, which on the 2-core test node competed with the booting brokers.
func (k *cluster) featureFlagsScript() string {
	return fmt.Sprintf(`set -eu
cp %[1]s/%[2]s "$HOME/%[2]s"; chmod 600 "$HOME/%[2]s"
want=$(rabbitmqctl -q version); n=$(cat %[3]s)
node() { echo "rabbit@%[4]s-$1.$NODE_SUFFIX"; }
upgraded() {
  i=0
  while [ "$i" -lt "$n" ]; do
    [ "$(rabbitmq-diagnostics -q -n "$(node "$i")" server_version 2>/dev/null)" = "$want" ] || return 1
    i=$((i + 1))
  done
}
until upgraded && rabbitmqctl -q -n "$(node 0)" enable_feature_flag all; do
  echo "waiting until all $n nodes run RabbitMQ $want"; sleep 30
done
rabbitmqctl -q -n "$(node 0)" list_feature_flags name state
`, cookieSecret, cookieFileName, clusterSizeFile, k.names.StatefulSet())
}

// shortHash is 7 hex digits of the SHA-256 of v's JSON (struct fields in order, map keys
// sorted: deterministic).
func shortHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // typed Kubernetes objects always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:7]
}
