package render

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelPartOf    = "app.kubernetes.io/part-of"

	// serviceRoleLabel marks the headless Service.
	serviceRoleLabel = "rabbitmq-krm.dev/service"

	// ManagedBy marks every object this function generates.
	ManagedBy = "rabbitmq-krm"

	// ConfigChecksumAnnotation on the pod template changes with the ConfigMap, so a config
	// change rolls the pods.
	ConfigChecksumAnnotation = "rabbitmq-krm.dev/config-checksum"
)

// selector labels never change over a cluster's life: a StatefulSet's selector is immutable.
func (k *cluster) selector() map[string]string {
	return map[string]string{labelName: "rabbitmq", labelInstance: k.Name}
}

func (k *cluster) labels() map[string]string {
	l := k.selector()
	l[labelComponent] = "broker"
	l[labelPartOf] = "rabbitmq"
	l[labelManagedBy] = ManagedBy
	return l
}

// meta is the ObjectMeta of a namespaced generated object.
func (k *cluster) meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: k.Namespace, Labels: k.labels()}
}

// clusterMeta is the ObjectMeta of a cluster-scoped generated object.
func (k *cluster) clusterMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: k.labels()}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
