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

// Index holds a kpt package's broker StatefulSets and RabbitMQClusters, found in one pass per
// render: looking them up per config made a 300-config re-render quadratic.
type Index struct {
	brokers map[string][]*yaml.RNode // by name; a config without a namespace matches any
	configs map[key]bool
	order   []*yaml.RNode // the brokers in package order, for Orphans
}

type key struct{ namespace, name string }

// NewIndex indexes pkg (nil: no package, nothing to compare).
func NewIndex(pkg []*yaml.RNode) *Index {
	x := &Index{brokers: map[string][]*yaml.RNode{}, configs: map[key]bool{}}
	for _, item := range pkg {
		switch {
		case isBroker(item):
			x.brokers[item.GetName()] = append(x.brokers[item.GetName()], item)
			x.order = append(x.order, item)
		case item.GetApiVersion() == v1alpha1.APIVersion && item.GetKind() == v1alpha1.Kind:
			x.configs[key{item.GetNamespace(), item.GetName()}] = true
		}
	}
	return x
}

// Guard checks c's new output against the StatefulSet the package holds from the previous
// render.
func (x *Index) Guard(c *v1alpha1.RabbitMQCluster, out render.Output) (field.ErrorList, []render.Warning) {
	name := names.For(c).StatefulSet()
	var prev, next *appsv1.StatefulSet
	for _, item := range x.brokers[name] {
		if sameNamespace(item.GetNamespace(), c.Namespace) {
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
func (x *Index) Orphans() []Orphan {
	var orphans []Orphan
	for _, item := range x.order {
		cluster := item.GetLabels()[render.LabelInstance]
		if x.configs[key{item.GetNamespace(), cluster}] || x.configs[key{"", cluster}] {
			continue
		}
		orphans = append(orphans, Orphan{item, fmt.Sprintf("was rendered for the %s %q, which the package no longer holds. "+
			"If you renamed that cluster or changed its namespace, restore metadata.name and metadata.namespace: new names mean new RabbitMQ nodes, an empty cluster and orphaned data. "+
			"If you retired it, delete its generated files from the package (and the cluster itself)", v1alpha1.Kind, cluster)})
	}
	return orphans
}

// isBroker: a RabbitMQ StatefulSet this function rendered (not a deployed etcd).
func isBroker(item *yaml.RNode) bool {
	if item.YNode().Kind != yaml.MappingNode || item.GetApiVersion() != "apps/v1" || item.GetKind() != "StatefulSet" {
		return false
	}
	l := item.GetLabels()
	return l[render.LabelManagedBy] == render.ManagedBy && l[render.LabelComponent] == render.ComponentBroker
}

// sameNamespace: a config without a namespace leaves it to a later function (set-namespace).
func sameNamespace(object, config string) bool {
	return config == "" || object == config
}

// decode reads item as encoding/json does. The node goes to a map directly: RNode.MarshalJSON
// prints it as YAML and parses that again, 70% of a decode and 5 times slower (kpt re-render).
func decode(item *yaml.RNode) (*appsv1.StatefulSet, error) {
	var m map[string]any
	if err := item.YNode().Decode(&m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var s appsv1.StatefulSet
	return &s, json.Unmarshal(b, &s)
}
