package krm

import (
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sdkProcessor is Processor as a framework.ResourceListProcessor, for comparing Execute with
// framework.Execute (package krmsdk has the same for tests outside this package, which
// cannot be imported here).
type sdkProcessor struct{}

func (sdkProcessor) Process(rl *framework.ResourceList) error {
	local := ResourceList{Items: rl.Items, FunctionConfig: rl.FunctionConfig}
	err := Processor{}.Process(&local)
	rl.Items = local.Items
	rl.Results = nil
	for _, r := range local.Results {
		s := &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			s.Field = &framework.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			s.File = &framework.File{Path: r.File.Path, Index: r.File.Index}
		}
		rl.Results = append(rl.Results, s)
	}
	if _, ok := err.(Results); ok {
		return rl.Results
	}
	return err
}

// The local result types are copies of the framework's: same fields and tags (so the same
// YAML and JSON), same messages.
func TestResultTypesMatchFramework(t *testing.T) {
	pairs := [][2]reflect.Type{
		{reflect.TypeFor[Result](), reflect.TypeFor[framework.Result]()},
		{reflect.TypeFor[Field](), reflect.TypeFor[framework.Field]()},
		{reflect.TypeFor[File](), reflect.TypeFor[framework.File]()},
		{reflect.TypeFor[ResourceList](), reflect.TypeFor[framework.ResourceList]()},
	}
	for _, p := range pairs {
		ours, theirs := p[0], p[1]
		if ours.NumField() != theirs.NumField() {
			t.Fatalf("%v has %d fields, %v %d", ours, ours.NumField(), theirs, theirs.NumField())
		}
		for i := range ours.NumField() {
			a, b := ours.Field(i), theirs.Field(i)
			if a.Name != b.Name || a.Tag != b.Tag || a.Type.Kind() != b.Type.Kind() || a.Type.Name() != b.Type.Name() {
				t.Errorf("%v.%s %v %q, %v.%s %v %q", ours, a.Name, a.Type, a.Tag, theirs, b.Name, b.Type, b.Tag)
			}
		}
	}
	ref := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: "a/v1", Kind: "K"}, NameMeta: yaml.NameMeta{Name: "n", Namespace: "ns"}}
	ours := Results{
		{Message: "m", Severity: Error, ResourceRef: ref, Field: &Field{Path: "spec.x", CurrentValue: 1, ProposedValue: "two"}, File: &File{Path: "a/b.yaml", Index: 3}, Tags: map[string]string{"k": "v"}},
		{Message: "no severity", Field: &Field{}},
		{Message: "w", Severity: Warning, ResourceRef: &yaml.ResourceIdentifier{}},
		{Severity: Info},
	}
	var theirs framework.Results
	for _, r := range ours {
		s := &framework.Result{Message: r.Message, Severity: framework.Severity(r.Severity), ResourceRef: r.ResourceRef, Tags: r.Tags}
		if r.Field != nil {
			s.Field = &framework.Field{Path: r.Field.Path, CurrentValue: r.Field.CurrentValue, ProposedValue: r.Field.ProposedValue}
		}
		if r.File != nil {
			s.File = &framework.File{Path: r.File.Path, Index: r.File.Index}
		}
		theirs = append(theirs, s)
	}
	a, errA := yaml.Marshal(ours)
	b, errB := yaml.Marshal(theirs)
	if errA != nil || errB != nil || string(a) != string(b) {
		t.Errorf("YAML:\n%s\n(%v)\nframework's:\n%s\n(%v)", a, errA, b, errB)
	}
	if ours.Error() != theirs.Error() || ours.ExitCode() != theirs.ExitCode() {
		t.Errorf("Error %q exit %d, framework's %q exit %d", ours.Error(), ours.ExitCode(), theirs.Error(), theirs.ExitCode())
	}
	if ours[1:].ExitCode() != theirs[1:].ExitCode() {
		t.Errorf("exit code without errors differs")
	}
}
