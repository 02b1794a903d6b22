package render

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

const (
	labelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	labelPartOf    = "app.kubernetes.io/part-of"

	// serviceRoleLabel marks the headless Service.
	serviceRoleLabel = "rabbitmq-krm.dev/service"

	// ComponentBroker is the LabelComponent of the RabbitMQ nodes' objects (fn/day2 finds the
	// broker StatefulSet by it).
	ComponentBroker = "broker"

	// ManagedBy marks every object this function generates.
	ManagedBy = "rabbitmq-krm"

	// ConfigChecksumAnnotation on the pod template changes with the ConfigMap, so a config
	// change rolls the pods.
	ConfigChecksumAnnotation = "rabbitmq-krm.dev/config-checksum"
)

// selector labels never change over a cluster's life: a StatefulSet's selector is immutable.
func (k *cluster) selector() map[string]string {
	return map[string]string{labelName: "rabbitmq", LabelInstance: k.Name}
}

func (k *cluster) labels() map[string]string {
	l := k.selector()
	l[LabelComponent] = ComponentBroker
	l[labelPartOf] = "rabbitmq"
	l[LabelManagedBy] = ManagedBy
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
