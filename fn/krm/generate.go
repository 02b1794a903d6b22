// Package krm connects the pure renderer to the KRM function protocol: configs in, results
// and upserted objects out.
package krm

import (
	"cmp"
	"fmt"
	"io"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/day2"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/names"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// generate renders one config: its objects, ready for sink, and warnings, or only error
// results. pkg is the kpt package the output goes back to, or nil.
func generate(node *yaml.RNode, pkg []*yaml.RNode, guard *day2.Index, sink *Output) ([]placed, framework.Results) {
	ref := identify(node)
	file := fileOf(node)
	text, err := node.String()
	if err != nil {
		return nil, framework.Results{result(ref, file, framework.Error, v1alpha1.Document, err.Error())}
	}
	c, errs := v1alpha1.Load([]byte(text))
	if len(errs) > 0 {
		return nil, fieldResults(ref, file, errs)
	}
	out := render.Render(c)
	// Before the day-2 warnings: those depend on the package's previous output, and in the
	// annotation they would make a second kpt render change the package.
	render.AnnotateWarnings(out.Objects, names.For(c).StatefulSet(), out.Warnings)
	if pkg != nil {
		errs, warnings := guard.Guard(c, out)
		if len(errs) > 0 {
			return nil, fieldResults(ref, file, errs)
		}
		out.Warnings = append(out.Warnings, warnings...)
	}
	if c.Spec.ErlangCookie.Generate {
		secret, msg := cookieSecret(c, pkg)
		if msg != "" {
			return nil, framework.Results{result(ref, file, framework.Error, "spec.erlangCookie.generate", msg)}
		}
		if secret != nil {
			out.Objects = append(out.Objects, secret)
		}
	}
	var results framework.Results
	for _, w := range out.Warnings {
		results = append(results, result(ref, file, framework.Warning, w.Field, w.Message))
	}
	objs, err := sink.prepare(node, out.Objects)
	if err != nil {
		return nil, append(results, result(ref, file, framework.Error, "(render)", err.Error()))
	}
	return objs, results
}

func fieldResults(ref *yaml.ResourceIdentifier, file *framework.File, errs field.ErrorList) framework.Results {
	var results framework.Results
	for _, e := range errs {
		results = append(results, result(ref, file, framework.Error, e.Field, e.Detail))
	}
	return results
}

// duplicateConfigs reports configs that share a name and namespace (the same objects twice).
func duplicateConfigs(configs []*yaml.RNode) framework.Results {
	var results framework.Results
	seen := map[identity]bool{}
	for _, cfg := range configs {
		id, ok := identityOf(cfg)
		if ok && seen[id] {
			results = append(results, result(identify(cfg), fileOf(cfg), framework.Error, "metadata.name",
				fmt.Sprintf("another %s in the input has the name %q in the same namespace: their objects would overwrite each other; rename one", v1alpha1.Kind, id.name)))
		}
		seen[id] = true
	}
	return results
}

// cookieSecret is spec.erlangCookie.generate's Secret: a fresh cookie when the package lacks
// it, nil (keep the package's) once it is there.
func cookieSecret(c *v1alpha1.RabbitMQCluster, pkg []*yaml.RNode) (render.Object, string) {
	if pkg == nil {
		return nil, "only works in a kpt package, where the generated Secret is written into the package and kept: " +
			"here (kustomize, Argo CD, the render command) every build would create a new cookie and split the cluster. " +
			"Create the Secret once instead (rabbitmq-krm cookie " + c.Name + " > cookie-secret.yaml, or kubectl create secret) and remove generate"
	}
	want := identity{kind: "Secret", namespace: c.Namespace, name: c.Spec.ErlangCookie.SecretName}
	for _, item := range pkg {
		if id, ok := identityOf(item); ok && id == want {
			return nil, ""
		}
	}
	return render.CookieSecret(c, render.NewCookie()), ""
}

func result(ref *yaml.ResourceIdentifier, file *framework.File, sev framework.Severity, field, msg string) *framework.Result {
	r := &framework.Result{Message: msg, Severity: sev, ResourceRef: ref, File: file}
	if field != "" {
		r.Field = &framework.Field{Path: field}
	}
	return r
}

// identify names the config in results the way kpt prints it: apiVersion/kind/name.
func identify(node *yaml.RNode) *yaml.ResourceIdentifier {
	id := &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.Kind}}
	if hasMapMetadata(node) {
		id.NameMeta = yaml.NameMeta{Name: node.GetName(), Namespace: node.GetNamespace()}
	}
	return id
}

// fileOf is the package file kpt read node from (nil: not from a package).
func fileOf(node *yaml.RNode) *framework.File {
	p := placementOf(node)
	if path := cmp.Or(p[kioutil.PathAnnotation], p[kioutil.LegacyPathAnnotation]); path != "" {
		return &framework.File{Path: path}
	}
	return nil
}

// placeInPackage files a cluster's object next to its config: <config dir>/<cluster>/<kind>_
// <name>.yaml. A replaced copy's placement wins (Output.prepare): files a user moved stay put.
func placeInPackage(config, obj *yaml.RNode) error {
	dir := "."
	if f := fileOf(config); f != nil {
		dir = path.Dir(f.Path)
	}
	file := path.Join(dir, config.GetName(), strings.ToLower(obj.GetKind())+"_"+obj.GetName()+".yaml")
	return obj.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, file))
}

// PrintResults writes each result as one line, as kyaml's Result.String formats it:
// "[error] apiVersion/kind/[namespace/]name field: message".
func PrintResults(w io.Writer, results framework.Results) {
	for _, r := range results {
		fmt.Fprintln(w, r)
	}
}
