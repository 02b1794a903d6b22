package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/internal/textdiff"
)

const generatingConfig = `apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata:
  name: rabbitmq
  namespace: mq
  annotations:
    internal.config.kubernetes.io/path: rabbitmq.yaml
spec:
  erlangCookie: {generate: true}
`

func cookieSecrets(items []*yaml.RNode) (cookies []string) {
	for _, it := range items {
		if it.GetKind() == "Secret" && it.GetName() == "rabbitmq-erlang-cookie" {
			v, _ := it.Pipe(yaml.Lookup("data", ".erlang.cookie"))
			cookies = append(cookies, yaml.GetValue(v))
		}
	}
	return cookies
}

// In a kpt package the Secret is created once and kept on every later render: the second
// run over the first run's output changes nothing.
func TestCookieGeneratedOnceInAPackage(t *testing.T) {
	items, raw, stderr, code := runFunction(t, resourceList(t, generatingConfig, generatingConfig))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first := cookieSecrets(items)
	if len(first) != 1 || len(first[0]) != 88 { // base64 of 64 hex digits
		t.Fatalf("want one cookie Secret with a 64-hex cookie, got %q", first)
	}
	var again bytes.Buffer
	if code := run(nil, strings.NewReader(raw), &again, &bytes.Buffer{}); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
	if again.String() != raw {
		t.Errorf("the second render changed the package (the cookie must never be re-randomized):\n%s", textdiff.First(raw, again.String()))
	}
	items2, _ := (&kio.ByteReader{Reader: strings.NewReader(again.String())}).Read()
	if got := cookieSecrets(items2); len(got) != 1 || got[0] != first[0] {
		t.Errorf("cookie changed from %q to %q", first, got)
	}
}

// Where the output is not kept, generate is refused: a new cookie on every build splits
// the cluster.
func TestCookieGenerateRefusedWhereOutputIsNotKept(t *testing.T) {
	for name, input := range map[string]string{
		"kustomize generator (no items)": resourceList(t, generatingConfig),
	} {
		items, _, stderr, code := runFunction(t, input)
		if code != 1 || !strings.Contains(stderr, "spec.erlangCookie.generate: only works in a kpt package") || len(cookieSecrets(items)) != 0 {
			t.Errorf("%s: exit %d, stderr %q", name, code, stderr)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"render", "-"}, strings.NewReader(generatingConfig), &out, &errOut); code != 1 || out.Len() != 0 || !strings.Contains(errOut.String(), "rabbitmq-krm cookie rabbitmq") {
		t.Errorf("render: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errOut.String())
	}
}

func TestCookieCommandPrintsAFreshSecret(t *testing.T) {
	var a, b, errOut bytes.Buffer
	if run([]string{"cookie", "orders", "shop"}, nil, &a, &errOut) != 0 || run([]string{"cookie", "orders", "shop"}, nil, &b, &errOut) != 0 {
		t.Fatalf("cookie failed: %s", errOut.String())
	}
	first := a.String()
	items, err := (&kio.ByteReader{Reader: &a}).Read()
	if err != nil || len(items) != 1 || items[0].GetName() != "orders-erlang-cookie" || items[0].GetNamespace() != "shop" {
		t.Fatalf("want Secret shop/orders-erlang-cookie, got %v %v", items, err)
	}
	if !regexp.MustCompile(`\.erlang\.cookie: [A-Za-z0-9+/]{86}==\n`).MatchString(b.String()) || first == b.String() {
		t.Errorf("want a fresh 64-hex cookie on every call:\n%s\n%s", first, b.String())
	}
	if code := run([]string{"cookie", "Bad_Name"}, nil, &a, &errOut); code != 1 || !strings.Contains(errOut.String(), "metadata.name") {
		t.Errorf("bad name: exit %d, %q", code, errOut.String())
	}
}
