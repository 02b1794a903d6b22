package render

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cliJob describes a Job that runs a script with the cluster's image, talking to the nodes
// through the CLI with the Erlang cookie: the feature flag Job and the definitions Job.
type cliJob struct {
	component string
	// name is the Job's name for the hash of its spec.
	name     func(hash string) string
	deadline int64
	script   string
	// podAnnotations identify inputs the template would not show otherwise (a file's
	// content behind a ConfigMap volume), so that a change makes a new Job.
	podAnnotations map[string]string
	mounts         []corev1.VolumeMount
	volumes        []corev1.Volume
}

// job builds the Job. Its name hashes its template, which Kubernetes never updates in place,
// so any change is a new Job; Argo CD runs it as a PostSync hook instead.
func (k *cluster) job(j cliJob) Object {
	spec := batchv1.JobSpec{
		BackoffLimit:            ptr(int32(3)),
		ActiveDeadlineSeconds:   ptr(j.deadline),
		TTLSecondsAfterFinished: ptr(int32(featureFlagsTTL)),
		Template:                k.cliJobPod(j),
	}
	meta := k.meta(j.name(shortHash(spec)))
	meta.Labels = k.jobLabels(j.component)
	meta.Annotations = map[string]string{
		RabbitMQVersionAnnotation:               k.TargetVersion(),
		"argocd.argoproj.io/hook":               "PostSync",
		"argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
	}
	return &batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: meta, Spec: spec}
}

// jobLabels differ from the brokers' selector in app.kubernetes.io/name: a Job's pod must
// never be a Service endpoint, a discovered peer, or count in the PodDisruptionBudget.
func (k *cluster) jobLabels(component string) map[string]string {
	l := k.labels()
	l[labelName] = "rabbitmq-" + component
	l[LabelComponent] = component
	return l
}

// jobSelector selects the pods of one of the cluster's CLI Jobs.
func (k *cluster) jobSelector(component string) map[string]string {
	return map[string]string{labelName: "rabbitmq-" + component, LabelInstance: k.Name}
}

// cliJobPeers are the pods of the cluster's CLI Jobs, which the NetworkPolicy lets reach
// the nodes' epmd and distribution ports.
func (k *cluster) cliJobPeers() []networkingv1.NetworkPolicyPeer {
	components := []string{componentFeatureFlags}
	if k.Spec.Definitions != nil {
		components = append(components, componentDefinitions)
	}
	var peers []networkingv1.NetworkPolicyPeer
	for _, c := range components {
		peers = append(peers, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: k.jobSelector(c)}})
	}
	return peers
}

// cliJobPod runs where the brokers may run (spec.pod's nodeSelector, tolerations and
// imagePullSecrets: it pulls the same image), without their priority: it never preempts.
func (k *cluster) cliJobPod(j cliJob) corev1.PodTemplateSpec {
	l := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")}
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: k.jobLabels(j.component), Annotations: j.podAnnotations},
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyOnFailure,
			ServiceAccountName:           k.names.ServiceAccount(),
			AutomountServiceAccountToken: ptr(false),
			EnableServiceLinks:           ptr(false),
			// An FQDN in /etc/hosts: the CLI needs one for its own long node name.
			Subdomain:       k.names.HeadlessService(),
			SecurityContext: k.podSecurityContext(),
			Containers: []corev1.Container{{
				Name:    j.component,
				Image:   k.Spec.Image,
				Command: []string{"/bin/sh", "-c", j.script},
				Env: []corev1.EnvVar{
					fieldEnv("MY_POD_NAMESPACE", "metadata.namespace"),
					{Name: "RABBITMQ_USE_LONGNAME", Value: "true"},
					{Name: "HOME", Value: homeDir},
					{Name: "NODE_SUFFIX", Value: k.nodeSuffix()},
				},
				// No CPU limit: each CLI call starts an Erlang VM.
				Resources:       corev1.ResourceRequirements{Requests: l, Limits: corev1.ResourceList{corev1.ResourceMemory: l[corev1.ResourceMemory]}},
				SecurityContext: containerSecurityContext(),
				VolumeMounts: append([]corev1.VolumeMount{
					{Name: volHome, MountPath: homeDir},
					{Name: volTmp, MountPath: "/tmp"},
					{Name: volCookie, MountPath: cookieSecret, ReadOnly: true}, // inside /tmp: after it
				}, j.mounts...),
			}},
			Volumes: append([]corev1.Volume{
				k.cookieVolume(),
				{Name: volHome, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: volTmp, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			}, j.volumes...),
		},
	}
	k.place(&tmpl.Spec)
	return tmpl
}
