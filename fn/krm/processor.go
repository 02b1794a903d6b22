package krm

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/day2"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/ordered"
)

// Processor is Process as a framework.ResourceListProcessor, output in memory: tests compare
// framework.Execute(Processor{}, rw) with Execute.
type Processor struct{}

func (Processor) Process(rl *framework.ResourceList) error {
	out := NewOutput(keptItems(rl.Items, rl.FunctionConfig), true)
	err := Process(rl, out)
	rl.Items = out.Nodes()
	return err
}

// Process renders the functionConfig (kustomize, kpt configPath) or else every RabbitMQCluster
// item (kpt package mode) into out; results go to rl.Results. After any error out holds no
// generated object: GitOps pruning of a partial set could delete a running cluster.
func Process(rl *framework.ResourceList, out *Output) error {
	configs, err := configsOf(rl)
	if err != nil {
		rl.Results = append(rl.Results, &framework.Result{Message: err.Error(), Severity: framework.Error})
		return rl.Results
	}
	rl.Results = append(rl.Results, Render(configs, packageItems(rl, configs), out)...)
	if rl.Results.ExitCode() != 0 {
		out.discardGenerated()
		return rl.Results
	}
	return nil
}

// Render renders configs into out (Process, the render command); pkg is the kpt package the
// output goes back to, or nil. After a config fails, the rest only report. Configs are
// generated on every CPU (generate only reads the configs and pkg) and taken in order, so
// the output is the same as one by one.
func Render(configs, pkg []*yaml.RNode, out *Output) framework.Results {
	guard := day2.NewIndex(pkg)
	results := append(duplicateConfigs(configs), orphans(guard)...)
	if len(results) > 0 {
		return results
	}
	type generated struct {
		objs    []placed
		results framework.Results
	}
	for g := range ordered.Map(configs, func(cfg *yaml.RNode) generated {
		objs, res := generate(cfg, pkg, guard, out)
		return generated{objs, res}
	}) {
		if results = append(results, g.results...); results.ExitCode() == 0 {
			out.upsert(g.objs)
		}
	}
	return results
}

func isConfig(n *yaml.RNode) bool {
	return isMap(n) && n.GetApiVersion() == v1alpha1.APIVersion && n.GetKind() == v1alpha1.Kind
}

// isMap guards kyaml's getters, which panic on a list of odd length (found by FuzzRender):
// GetApiVersion and GetKind need a map; GetName, GetNamespace, GetAnnotations hasMapMetadata.
func isMap(n *yaml.RNode) bool {
	return n.YNode().Kind == yaml.MappingNode
}

// hasMapMetadata: n is a map whose metadata, labels and annotations are not lists.
func hasMapMetadata(n *yaml.RNode) bool {
	md := n.Field(yaml.MetadataField)
	if !isMap(n) || md == nil {
		return isMap(n)
	}
	return md.Value.YNode().Kind != yaml.SequenceNode &&
		!slices.ContainsFunc([]string{yaml.LabelsField, yaml.AnnotationsField}, func(f string) bool {
			v := md.Value.Field(f)
			return v != nil && v.Value.YNode().Kind == yaml.SequenceNode
		})
}

// isEmptyConfigMap is what `kpt fn eval` sends without --fn-config: no functionConfig.
func isEmptyConfigMap(n *yaml.RNode) bool {
	data := n.Field("data") // nil when n is not a map
	return isMap(n) && n.GetApiVersion() == "v1" && n.GetKind() == "ConfigMap" && (data == nil || data.Value.IsNilOrEmpty())
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
	configs := slices.DeleteFunc(slices.Clone(rl.Items), func(n *yaml.RNode) bool { return !isConfig(n) })
	if len(configs) == 0 {
		return nil, fmt.Errorf("no %s/%s found: pass one as the functionConfig, or run in a package that contains one", v1alpha1.APIVersion, v1alpha1.Kind)
	}
	return configs, nil
}

// keptItems are the input items but kustomize's copy of its generator config (local-config,
// the only item): an input item in the output makes kustomize load its OpenAPI schema to copy
// comments, most of a build (docs/performance.md). kpt keeps every item.
func keptItems(items []*yaml.RNode, fc *yaml.RNode) []*yaml.RNode {
	if len(items) == 1 && fc != nil && isCopyOf(items[0], fc) && fileOf(items[0]) == nil &&
		items[0].GetAnnotations()["config.kubernetes.io/local-config"] == "true" {
		return nil
	}
	return items
}

// packageItems are the items when they are a kpt package that keeps the output: kpt read the
// config from a package file (kustomize's item has no path: testdata/captured). Items whose
// metadata is not a map are left out (kyaml's getters panic on them).
func packageItems(rl *framework.ResourceList, configs []*yaml.RNode) []*yaml.RNode {
	for _, item := range rl.Items {
		if isCopyOf(item, configs[0]) && fileOf(item) != nil {
			return slices.DeleteFunc(slices.Clone(rl.Items), func(n *yaml.RNode) bool { return !hasMapMetadata(n) })
		}
	}
	return nil
}

// orphans reports the broker StatefulSets of the package that no config renders any more.
func orphans(guard *day2.Index) framework.Results {
	var results framework.Results
	for _, o := range guard.Orphans() {
		ref := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
			NameMeta: yaml.NameMeta{Name: o.Item.GetName(), Namespace: o.Item.GetNamespace()}}
		results = append(results, result(ref, fileOf(o.Item), framework.Error, "", o.Message))
	}
	return results
}

// isCopyOf reports whether item is a RabbitMQCluster with cfg's identity.
func isCopyOf(item, cfg *yaml.RNode) bool {
	id, ok := identityOf(item)
	want, wantOK := identityOf(cfg)
	return ok && wantOK && id == want && isConfig(item)
}

// sentByKpt reports whether kpt sent the items: it puts path annotations on every item it
// reads from a package (kustomize puts none on a generator's input).
func sentByKpt(items []*yaml.RNode) bool {
	return slices.ContainsFunc(items, func(n *yaml.RNode) bool { return fileOf(n) != nil })
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
