package v1alpha1

import corev1 "k8s.io/api/core/v1"

// Pod adds metadata and scheduling settings to the pods. Labels, annotations, affinity and
// topologySpreadConstraints apply to the RabbitMQ pods only. nodeSelector, tolerations and
// imagePullSecrets also apply to the feature flag Job (it runs the broker's image, so it
// needs the same pull secret, and a nodeSelector such as kubernetes.io/arch holds for the
// same image) and to the etcd that spec.discovery.etcd.deploy adds: on nodes dedicated to
// RabbitMQ (tainted and labelled), every pod of the cluster runs there. priorityClassName
// applies to the RabbitMQ pods and the deployed etcd, the pods that keep the cluster
// running; the Job, retried until it succeeds, never preempts other workloads.
type Pod struct {
	// Labels on the RabbitMQ pods (the StatefulSet's pod template, not the StatefulSet: use
	// kustomize labels for every object). The labels rabbitmq-krm sets (app.kubernetes.io/name,
	// instance, component, part-of, managed-by), those the StatefulSet controller sets on each
	// pod, skipPreStopChecks (set it with kubectl label for a full-cluster stop, never in the
	// template) and every key under rabbitmq-krm.dev/ are refused. A change restarts the pods.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations on the RabbitMQ pods, e.g. for a log shipper or a service mesh. The
	// rabbitmq-krm.dev/ keys (the config checksum that rolls the pods on a config change) and
	// the deprecated seccomp and AppArmor annotations (the pods' security context is the
	// function's; a contradicting annotation fails the pods' creation) are refused. A change
	// restarts the pods.
	Annotations map[string]string `json:"annotations,omitempty"`
	// NodeSelector restricts every pod to nodes with these labels, e.g.
	// node-role.example.com/rabbitmq: "true".
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations let every pod run on nodes with matching taints, e.g. nodes dedicated to
	// RabbitMQ: {key: dedicated, operator: Equal, value: rabbitmq, effect: NoSchedule}.
	// operator Exists takes no value; an empty key needs operator Exists (it tolerates
	// every taint); tolerationSeconds needs effect NoExecute.
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// Affinity replaces the default, which prefers one RabbitMQ pod per Kubernetes node
	// (podAntiAffinity, weight 100, topologyKey kubernetes.io/hostname, so losing a machine
	// loses one replica). `affinity: {}` removes it. A podAntiAffinity term without a
	// labelSelector gets the RabbitMQ pods' selector labels (app.kubernetes.io/name: rabbitmq,
	// app.kubernetes.io/instance: <name>), so it keeps the brokers apart, e.g. to require one
	// per node:
	//   affinity:
	//     podAntiAffinity:
	//       requiredDuringSchedulingIgnoredDuringExecution:
	//         - topologyKey: kubernetes.io/hostname
	// A podAffinity term without a labelSelector is refused: it would select no pod.
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// TopologySpreadConstraints replace the default, which spreads the RabbitMQ pods over
	// zones (maxSkew 1, topologyKey topology.kubernetes.io/zone, whenUnsatisfiable
	// ScheduleAnyway). A constraint without a labelSelector gets the RabbitMQ pods' selector
	// labels (one without would count no pod and spread nothing), e.g.
	//   topologySpreadConstraints:
	//     - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// PriorityClassName names a PriorityClass for the RabbitMQ pods and the deployed etcd, so
	// that the scheduler preempts less important pods for them, not them for others. Create
	// it beside the output (a scheduling.k8s.io/v1 PriorityClass, e.g. value 1000000): the
	// built-in system-* classes are meant for kube-system.
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// ImagePullSecrets name kubernetes.io/dockerconfigjson Secrets for a private registry,
	// e.g. [{name: registry-credentials}]; every pod gets them.
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
}
