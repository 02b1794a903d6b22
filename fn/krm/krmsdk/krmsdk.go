// Package krmsdk runs krm.Processor under kyaml's fn/framework, the SDK that krm.Execute
// replaces. Tests and benchmarks compare the two with it; the binary does not import it (the
// framework package links kube-openapi's validation packages, see fn/krm/result.go).
package krmsdk

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/krm"
)

// Processor is krm.Processor as a framework.ResourceListProcessor:
// framework.Execute(krmsdk.Processor{}, rw) is the SDK's way of running the function.
type Processor struct{}

func (Processor) Process(rl *framework.ResourceList) error {
	local := krm.ResourceList{Items: rl.Items, FunctionConfig: rl.FunctionConfig, Results: FromSDK(rl.Results)}
	err := krm.Processor{}.Process(&local)
	rl.Items, rl.FunctionConfig, rl.Results = local.Items, local.FunctionConfig, ToSDK(local.Results)
	if _, ok := err.(krm.Results); ok {
		return rl.Results
	}
	return err
}

// ToSDK converts results to the framework's type (nil stays nil).
func ToSDK(results krm.Results) framework.Results {
	if results == nil {
		return nil
	}
	out := make(framework.Results, len(results))
	for i, r := range results {
		if r == nil {
			continue
		}
		s := &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			s.Field = &framework.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			s.File = &framework.File{Path: r.File.Path, Index: r.File.Index}
		}
		out[i] = s
	}
	return out
}

// FromSDK converts the framework's results (nil stays nil).
func FromSDK(results framework.Results) krm.Results {
	if results == nil {
		return nil
	}
	out := make(krm.Results, len(results))
	for i, r := range results {
		if r == nil {
			continue
		}
		s := &krm.Result{Message: r.Message, Severity: krm.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			s.Field = &krm.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			s.File = &krm.File{Path: r.File.Path, Index: r.File.Index}
		}
		out[i] = s
	}
	return out
}
