package krm

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// Processor is the KRM function. With a RabbitMQCluster functionConfig (kustomize
// generator, kpt configPath) it renders that config; with none (kpt package mode) it
// renders every RabbitMQCluster item. Input items are always kept.
type Processor struct{}

func (Processor) Process(rl *ResourceList) error {
	configs, err := configsOf(rl)
	if err != nil {
		rl.Results = append(rl.Results, &Result{Message: err.Error(), Severity: Error})
		return rl.Results
	}
	objects, results := Generate(configs, Target{Place: true, Package: packageItems(rl, configs)})
	rl.Results = append(rl.Results, results...)
	if rl.Results.ExitCode() != 0 {
		return rl.Results
	}
	rl.Items = Upsert(rl.Items, objects)
	return nil
}

func isConfig(n *yaml.RNode) bool {
	return isMap(n) && n.GetApiVersion() == v1alpha1.APIVersion && n.GetKind() == v1alpha1.Kind
}

// isMap reports whether n is a map. kyaml's getters index past the end of a list of odd
// length and panic (found by FuzzRender): GetApiVersion and GetKind need a map, and
// GetName, GetNamespace and GetAnnotations need hasMapMetadata too.
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

// isEmptyConfigMap recognises what `kpt fn eval` sends when no --fn-config is given: a
// ConfigMap without data. It means "no functionConfig", like a Kptfile mutator without config.
func isEmptyConfigMap(n *yaml.RNode) bool {
	if !isMap(n) || n.GetApiVersion() != "v1" || n.GetKind() != "ConfigMap" {
		return false
	}
	data := n.Field("data")
	return data == nil || data.Value.IsNilOrEmpty()
}

func configsOf(rl *ResourceList) ([]*yaml.RNode, error) {
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

// packageItems are the items when they are a kpt package that keeps the output: the config
// is itself an item that kpt read from a package file (package mode, or a Kptfile configPath,
// which kpt passes along as an item). Only kpt sets the path annotations: kustomize also
// sends its generator config as an item, with local-config and index annotations but no
// path, and keeps nothing (testdata/captured/kustomize-generator.yaml).
func packageItems(rl *ResourceList, configs []*yaml.RNode) []*yaml.RNode {
	for _, item := range rl.Items {
		if isConfig(item) && identityOf(item) == identityOf(configs[0]) && fromPackageFile(item) {
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

func identityOf(n *yaml.RNode) identity {
	group, _ := splitAPIVersion(n.GetApiVersion())
	return identity{group, n.GetKind(), n.GetNamespace(), n.GetName()}
}

func splitAPIVersion(apiVersion string) (group, version string) {
	for i := len(apiVersion) - 1; i >= 0; i-- {
		if apiVersion[i] == '/' {
			return apiVersion[:i], apiVersion[i+1:]
		}
	}
	return "", apiVersion
}

// Upsert replaces items that are the same objects as generated ones, in place and keeping
// their file placement, and appends the rest: a second run over its own output changes
// nothing.
func Upsert(items, generated []*yaml.RNode) []*yaml.RNode {
	index := make(map[identity]int, len(items))
	for i, item := range items {
		index[identityOf(item)] = i
	}
	for _, g := range generated {
		i, ok := index[identityOf(g)]
		if !ok {
			items = append(items, g)
			continue
		}
		keepPlacement(items[i], g)
		items[i] = g
	}
	return items
}

// placementAnnotations tell kpt which file and position an object has in the package.
var placementAnnotations = []kioutil.AnnotationKey{
	kioutil.PathAnnotation, kioutil.IndexAnnotation,
	kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation,
}

func keepPlacement(from, to *yaml.RNode) {
	old := from.GetAnnotations()
	for _, key := range placementAnnotations {
		if v, ok := old[string(key)]; ok {
			_ = to.PipeE(yaml.SetAnnotation(string(key), v))
		}
	}
}
