package day2

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// Labels every broker StatefulSet carries (fn/render/labels.go).
const (
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	labelManagedBy = "app.kubernetes.io/managed-by"
)

// Guard checks c's new output against the kpt package it goes back to (the items of the
// previous render among them).
func Guard(c *v1alpha1.RabbitMQCluster, pkg []*yaml.RNode, out render.Output) (field.ErrorList, []render.Warning) {
	name := names.For(c).StatefulSet()
	var prev, next *appsv1.StatefulSet
	for _, item := range pkg {
		if isBroker(item) && item.GetName() == name && sameNamespace(item.GetNamespace(), c.Namespace) {
			var err error
			if prev, err = decode(item); err != nil {
				return field.ErrorList{field.InternalError(field.NewPath("metadata", "name"), fmt.Errorf("the package's StatefulSet %s: %v", name, err))}, nil
			}
		}
	}
	for _, o := range out.Objects {
		if s, ok := o.(*appsv1.StatefulSet); ok && s.Name == name {
			next = s
		}
	}
	return Check(c, prev, next)
}

// Orphan is a broker StatefulSet in the package that no config renders any more.
type Orphan struct {
	Item    *yaml.RNode
	Message string
}

// Orphans finds the broker StatefulSets whose config left the package or was renamed: the
// nodes of a renamed cluster get new names, and a node's name is its data directory.
func Orphans(pkg []*yaml.RNode) []Orphan {
	var orphans []Orphan
	for _, item := range pkg {
		if !isBroker(item) || hasConfig(pkg, item) {
			continue
		}
		cluster := item.GetLabels()[labelInstance]
		orphans = append(orphans, Orphan{item, fmt.Sprintf("was rendered for the %s %q, which the package no longer holds. "+
			"If you renamed that cluster or changed its namespace, restore metadata.name and metadata.namespace: new names mean new RabbitMQ nodes, an empty cluster and orphaned data. "+
			"If you retired it, delete its generated files from the package (and the cluster itself)", v1alpha1.Kind, cluster)})
	}
	return orphans
}

func hasConfig(pkg []*yaml.RNode, sts *yaml.RNode) bool {
	for _, item := range pkg {
		if item.GetApiVersion() == v1alpha1.APIVersion && item.GetKind() == v1alpha1.Kind &&
			item.GetName() == sts.GetLabels()[labelInstance] && sameNamespace(sts.GetNamespace(), item.GetNamespace()) {
			return true
		}
	}
	return false
}

// isBroker: a RabbitMQ StatefulSet this function rendered (not a deployed etcd).
func isBroker(item *yaml.RNode) bool {
	if item.YNode().Kind != yaml.MappingNode || item.GetApiVersion() != "apps/v1" || item.GetKind() != "StatefulSet" {
		return false
	}
	l := item.GetLabels()
	return l[labelManagedBy] == render.ManagedBy && l[labelComponent] == "broker"
}

// sameNamespace: a config without a namespace leaves it to a later function (set-namespace).
func sameNamespace(object, config string) bool {
	return config == "" || object == config
}

func decode(item *yaml.RNode) (*appsv1.StatefulSet, error) {
	b, err := item.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var s appsv1.StatefulSet
	return &s, json.Unmarshal(b, &s)
}
