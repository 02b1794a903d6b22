package krm

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// Processor is Process as a framework.ResourceListProcessor, output in memory: tests compare
// framework.Execute(Processor{}, rw) with Execute.
type Processor struct{}

func (Processor) Process(rl *framework.ResourceList) error {
	out := NewOutput(KeptItems(rl.Items, rl.FunctionConfig), true)
	err := Process(rl, out)
	rl.Items = out.Nodes()
	return err
}

// Process is the KRM function: with a RabbitMQCluster functionConfig (kustomize generator,
// kpt configPath) it renders that config, with none (kpt package mode) every RabbitMQCluster
// item, into out; results go to rl.Results. When a config fails, out keeps none of the
// generated objects: a partial manifest set applied by a GitOps tool with pruning could
// delete a running cluster's objects.
func Process(rl *framework.ResourceList, out *Output) error {
	configs, err := configsOf(rl)
	if err != nil {
		rl.Results = append(rl.Results, &framework.Result{Message: err.Error(), Severity: framework.Error})
		return rl.Results
	}
	results, err := Render(configs, packageItems(rl, configs), out)
	if err != nil {
		return err
	}
	rl.Results = append(rl.Results, results...)
	if rl.Results.ExitCode() != 0 {
		out.discardGenerated()
		return rl.Results
	}
	return nil
}

// Render renders every config into out (Process and the render command). pkg is the kpt
// package the output is written back to, nil when the output is not kept. After a config
// fails, the rest are rendered for their results only.
func Render(configs, pkg []*yaml.RNode, out *Output) (framework.Results, error) {
	results := duplicateConfigs(configs)
	if len(results) > 0 {
		return results, nil
	}
	for _, cfg := range configs {
		objs, res := generate(cfg, pkg, out.place)
		results = append(results, res...)
		if results.ExitCode() != 0 {
			continue
		}
		if err := out.upsert(objs); err != nil {
			return results, err
		}
	}
	return results, nil
}

func isConfig(n *yaml.RNode) bool {
	return isMap(n) && n.GetApiVersion() == v1alpha1.APIVersion && n.GetKind() == v1alpha1.Kind
}

// isMap guards kyaml's getters, which panic on a list of odd length (found by FuzzRender):
// GetApiVersion and GetKind need a map; GetName, GetNamespace, GetAnnotations hasMapMetadata.
func isMap(n *yaml.RNode) bool {
	return n.YNode().Kind == yaml.MappingNode
}

// hasMapMetadata reports whether n is a map whose metadata, labels and annotations, when
// present, are not lists.
func hasMapMetadata(n *yaml.RNode) bool {
	md := n.Field(yaml.MetadataField)
	if !isMap(n) || md == nil {
		return isMap(n)
	}
	if md.Value.YNode().Kind == yaml.SequenceNode {
		return false
	}
	for _, f := range []string{yaml.LabelsField, yaml.AnnotationsField} {
		if v := md.Value.Field(f); v != nil && v.Value.YNode().Kind == yaml.SequenceNode {
			return false
		}
	}
	return true
}

// isEmptyConfigMap is what `kpt fn eval` sends without --fn-config: no functionConfig.
func isEmptyConfigMap(n *yaml.RNode) bool {
	if !isMap(n) || n.GetApiVersion() != "v1" || n.GetKind() != "ConfigMap" {
		return false
	}
	data := n.Field("data")
	return data == nil || data.Value.IsNilOrEmpty()
}

func configsOf(rl *framework.ResourceList) ([]*yaml.RNode, error) {
	fc := rl.FunctionConfig
	if fc != nil && !fc.IsNilOrEmpty() && !isEmptyConfigMap(fc) {
		if !isConfig(fc) {
			got := "not a map"
			if isMap(fc) {
				got = fc.GetApiVersion() + " " + fc.GetKind()
			}
			return nil, fmt.Errorf("functionConfig is %s: want apiVersion %s, kind %s (or no functionConfig to render every %s in the package)",
				got, v1alpha1.APIVersion, v1alpha1.Kind, v1alpha1.Kind)
		}
		return []*yaml.RNode{fc}, nil
	}
	var configs []*yaml.RNode
	for _, item := range rl.Items {
		if isConfig(item) {
			configs = append(configs, item)
		}
	}
	if len(configs) == 0 {
		return nil, fmt.Errorf("no %s/%s found: pass one as the functionConfig, or run in a package that contains one", v1alpha1.APIVersion, v1alpha1.Kind)
	}
	return configs, nil
}

// KeptItems are the input items the output keeps: all of them, except the copy of its
// generator config that kustomize sends as the only item (local-config, no kpt path).
// kustomize leaves local-config objects out of its build anyway, but when an output item is
// an input item it copies the item's comments with its schema-aware walker, which loads its
// OpenAPI schema: most of a kustomize build (docs/performance.md). kpt keeps every item.
func KeptItems(items []*yaml.RNode, functionConfig *yaml.RNode) []*yaml.RNode {
	if len(items) != 1 || functionConfig == nil || !isConfig(functionConfig) || !isConfig(items[0]) ||
		!hasMapMetadata(items[0]) || fromPackageFile(items[0]) ||
		items[0].GetAnnotations()[localConfig] != "true" {
		return items
	}
	id, ok := identityOf(items[0])
	fcID, fcOK := identityOf(functionConfig)
	if !ok || !fcOK || id != fcID {
		return items
	}
	return nil
}

// localConfig marks objects that configure a build and are not part of its output.
const localConfig = "config.kubernetes.io/local-config"

// packageItems are the items when they are a kpt package that keeps the output: the config
// is an item kpt read from a package file (package mode, or a Kptfile configPath). kustomize
// also sends its generator config as an item, but without a path, and keeps nothing
// (testdata/captured/kustomize-generator.yaml).
func packageItems(rl *framework.ResourceList, configs []*yaml.RNode) []*yaml.RNode {
	want, ok := identityOf(configs[0])
	for _, item := range rl.Items {
		if id, isID := identityOf(item); ok && isID && id == want && isConfig(item) && fromPackageFile(item) {
			return rl.Items
		}
	}
	return nil
}

// fromPackageFile reports whether kpt read n from a file of a package.
func fromPackageFile(n *yaml.RNode) bool {
	if !hasMapMetadata(n) {
		return false
	}
	a := n.GetAnnotations()
	return a[kioutil.PathAnnotation] != "" || a[kioutil.LegacyPathAnnotation] != ""
}

// SentByKpt reports whether the input came from kpt, which puts its path annotations on every
// item it reads from a package (kustomize puts none on a generator's input).
func SentByKpt(items []*yaml.RNode) bool {
	for _, item := range items {
		if fromPackageFile(item) {
			return true
		}
	}
	return false
}

// identity is what makes two objects the same object for the API server.
type identity struct {
	group, kind, namespace, name string
}

// identityOf is n's identity; ok is false for what has none (not a map, or odd metadata).
func identityOf(n *yaml.RNode) (id identity, ok bool) {
	if !hasMapMetadata(n) {
		return identity{}, false
	}
	gv, _ := schema.ParseGroupVersion(n.GetApiVersion())
	return identity{gv.Group, n.GetKind(), n.GetNamespace(), n.GetName()}, true
}
