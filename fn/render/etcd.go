package render

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
)

const etcdPeerPort = 2380

// etcdSelector never matches the RabbitMQ pods (different app.kubernetes.io/name).
func (k *cluster) etcdSelector() map[string]string {
	return map[string]string{labelName: "etcd", LabelInstance: k.Name}
}

func (k *cluster) etcdMeta(name string) metav1.ObjectMeta {
	l := k.etcdSelector()
	l[LabelComponent] = "peer-discovery"
	l[labelPartOf] = "rabbitmq"
	l[LabelManagedBy] = ManagedBy
	return metav1.ObjectMeta{Name: name, Namespace: k.Namespace, Labels: l}
}

// etcdService is headless: clients and the member itself resolve <name>-etcd to the pod,
// ready or not, so RabbitMQ nodes can register as soon as etcd listens.
func (k *cluster) etcdService() Object {
	return headless(k.etcdMeta(k.names.EtcdService()), k.etcdSelector(),
		servicePort("client", names.EtcdClientPort),
		servicePort("peer", etcdPeerPort),
	)
}

// etcdStatefulSet is the one-member etcd the Fuel CCP article runs next to RabbitMQ: only
// initial cluster formation and node registration depend on it. Its data is persistent so
// registrations survive an etcd restart.
// Its pod runs where the brokers may run, with their priority (spec.pod).
func (k *cluster) etcdStatefulSet() Object {
	svc := k.names.EtcdService()
	meta := k.etcdMeta(k.names.EtcdStatefulSet())
	var class *string
	if sc := k.Spec.Persistence.StorageClassName; sc != "" {
		class = ptr(sc)
	}
	sts := &appsv1.StatefulSet{
		TypeMeta:   typeMeta("apps/v1", "StatefulSet"),
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			ServiceName:         svc,
			Replicas:            ptr(int32(1)),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: k.etcdSelector()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: ptr(false),
					EnableServiceLinks:           ptr(false),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(65532)), RunAsGroup: ptr(int64(65532)), FSGroup: ptr(int64(65532)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers:        []corev1.Container{k.etcdContainer()},
					PriorityClassName: k.Spec.Pod.PriorityClassName,
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: meta.Labels},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: class,
					Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
	k.place(&sts.Spec.Template.Spec)
	return sts
}

// etcdContainer runs the single member, advertised at its own pod's DNS name.
func (k *cluster) etcdContainer() corev1.Container {
	svc := k.names.EtcdService()
	peerURL := fmt.Sprintf("http://$(POD_NAME).%s.$(POD_NAMESPACE).svc.%s:%d", svc, k.Spec.ClusterDomain, etcdPeerPort)
	clientURL := fmt.Sprintf("http://$(POD_NAME).%s.$(POD_NAMESPACE).svc.%s:%d", svc, k.Spec.ClusterDomain, names.EtcdClientPort)
	return corev1.Container{
		Name:  "etcd",
		Image: k.Spec.Discovery.Etcd.Image,
		Command: []string{"etcd",
			"--name=$(POD_NAME)",
			"--data-dir=/var/lib/etcd/data",
			fmt.Sprintf("--listen-client-urls=http://0.0.0.0:%d", names.EtcdClientPort),
			"--advertise-client-urls=" + clientURL,
			fmt.Sprintf("--listen-peer-urls=http://0.0.0.0:%d", etcdPeerPort),
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=$(POD_NAME)=" + peerURL,
			"--initial-cluster-state=new",
			"--auto-compaction-retention=1",
		},
		Env: []corev1.EnvVar{fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_NAMESPACE", "metadata.namespace")},
		Ports: []corev1.ContainerPort{
			containerPort("client", names.EtcdClientPort),
			containerPort("peer", etcdPeerPort),
		},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("client")}},
			PeriodSeconds: 10, TimeoutSeconds: 5,
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
		},
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/etcd"}},
	}
}
