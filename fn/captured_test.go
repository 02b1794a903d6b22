package main

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The tests below run the function on what kustomize and kpt really send, as recorded by
// hack/capture-inputs.sh (test/consumers checks that the recordings are still current).
// Every recorded config asks for erlangCookie.generate and 4 replicas (a warning).

const capturedDir = "../testdata/captured/"

func countKind(items []*yaml.RNode, kind string) int {
	n := 0
	for _, item := range items {
		if item.GetKind() == kind {
			n++
		}
	}
	return n
}

// kustomize sends its generator config as an item too (local-config, no path): that is no
// kpt package, nothing is kept, so generate must be refused, loudly on stderr.
func TestCapturedKustomizeRefusesGenerate(t *testing.T) {
	items, raw, stderr, code := runFunction(t, readFileT(t, capturedDir+"kustomize-generator.yaml"))
	if code != 1 || countKind(items, "Secret") != 0 || countKind(items, "StatefulSet") != 0 {
		t.Fatalf("want exit 1 and nothing generated, got exit %d:\n%s", code, raw)
	}
	want := "[error] rabbitmq-krm.dev/v1alpha1/RabbitMQCluster/ns/rabbitmq spec.erlangCookie.generate: only works in a kpt package"
	if !strings.Contains(stderr, want) {
		t.Errorf("kustomize shows only stderr: want %q in it, got %q", want, stderr)
	}
}

// Without generate, the warning reaches kustomize's user through stderr.
func TestCapturedKustomizeShowsWarningsOnStderr(t *testing.T) {
	input := strings.ReplaceAll(readFileT(t, capturedDir+"kustomize-generator.yaml"), "generate: true", "generate: false")
	items, _, stderr, code := runFunction(t, input)
	if code != 0 || countKind(items, "StatefulSet") != 1 {
		t.Fatalf("want the cluster rendered, got exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "[warning] rabbitmq-krm.dev/v1alpha1/RabbitMQCluster/ns/rabbitmq spec.replicas: 4 nodes") {
		t.Errorf("the even-replicas warning is not on stderr: %q", stderr)
	}
}

// kpt keeps the output in the package: generate creates the Secret once; kpt prints results
// and stderr, so nothing goes to stderr (it would show every result twice).
func TestCapturedKptPackageGeneratesCookie(t *testing.T) {
	for _, name := range []string{"kpt-render-configpath", "kpt-eval-package"} {
		t.Run(name, func(t *testing.T) {
			items, raw, stderr, code := runFunction(t, readFileT(t, capturedDir+name+".yaml"))
			if code != 0 || countKind(items, "Secret") != 1 {
				t.Fatalf("want exit 0 and the cookie Secret, got exit %d:\n%s\n%s", code, raw, stderr)
			}
			if !strings.Contains(raw, "severity: warning") {
				t.Errorf("the warning is missing from the results:\n%s", raw)
			}
			if stderr != "" {
				t.Errorf("stderr must stay empty under kpt, got %q", stderr)
			}
		})
	}
}

// `kpt fn eval --fn-config FILE` with FILE outside the package: the config is no item, so
// the Secret would not be found next time; generate is refused.
func TestCapturedKptEvalOutsideConfigRefusesGenerate(t *testing.T) {
	items, raw, _, code := runFunction(t, readFileT(t, capturedDir+"kpt-eval-fnconfig-outside.yaml"))
	if code != 1 || countKind(items, "Secret") != 0 || !strings.Contains(raw, "only works in a kpt package") {
		t.Errorf("want exit 1 and generate refused, got exit %d:\n%s", code, raw)
	}
}

// kustomize gets its generator config back from no one: it leaves local-config objects out of
// the build, and an item returned to it makes it load its OpenAPI schema to copy the item's
// comments (docs/performance.md). kpt gets every item back.
func TestCapturedConfigItemReturnedOnlyToKpt(t *testing.T) {
	input := strings.ReplaceAll(readFileT(t, capturedDir+"kustomize-generator.yaml"), "generate: true", "generate: false")
	items, raw, _, code := runFunction(t, input)
	if code != 0 || countKind(items, "RabbitMQCluster") != 0 || countKind(items, "StatefulSet") != 1 {
		t.Fatalf("kustomize: want the objects without the config item, got exit %d:\n%s", code, raw)
	}
	items, raw, _, code = runFunction(t, readFileT(t, capturedDir+"kpt-render-configpath.yaml"))
	if code != 0 || countKind(items, "RabbitMQCluster") != 1 {
		t.Fatalf("kpt: want the config item kept, got exit %d:\n%s", code, raw)
	}
}
