package v1alpha1

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fuzzMaxInput bounds one fuzz input: configs are a few hundred bytes, and a bigger input
// only makes each iteration slower without reaching new code.
const fuzzMaxInput = 16 << 10

// FuzzDecode: Decode never panics; on error it returns no object and FieldErrors that each
// name a field and say something; on success Default and Validate never panic, are
// deterministic, Default is idempotent, and a valid config has a usable series.
//
// Run it with: go test ./fn/api/v1alpha1 -run '^$' -fuzz '^FuzzDecode$' -fuzztime 30s
func FuzzDecode(f *testing.F) {
	addDecodeSeeds(f)
	f.Fuzz(checkDecode)
}

func addDecodeSeeds(f *testing.F) {
	configs, err := filepath.Glob("../../../testdata/golden/*/config.yaml")
	if err != nil || len(configs) == 0 {
		f.Fatalf("no golden configs found: %v", err)
	}
	for _, path := range configs {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	const head = "apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: r, namespace: ns}\n"
	for _, s := range []string{
		"",
		"null",
		"~",
		"[]",
		"- a\n- b\n",
		"{",
		"\t",
		"\x00\xff\xfe",
		"---\n---\n",
		head + "---\n" + head,
		`{"apiVersion":"rabbitmq-krm.dev/v1alpha1","kind":"RabbitMQCluster","metadata":{"name":"r"}}`,
		head + "spec: null\n",
		head + "spec: []\n",
		head + "metadata: []\n",
		head + "spec: {replicas: 2147483648}\n",
		head + "spec: {replicas: 1.5}\n",
		head + "spec: {replicas: 0x10}\n",
		head + "spec: {terminationGracePeriodSeconds: -9223372036854775808}\n",
		head + "spec: {discovery: {mode: etcd, etcd: null}}\n",
		head + "spec: {discovery: {mode: etcd, etcd: {deploy: true, nodeTTL: -1, lockTimeout: 0}}}\n",
		head + "spec: {persistence: {size: 1e1000000000}}\n",
		head + "spec: {resources: {limits: {memory: 1E18, cpu: \"-1\"}, requests: {memory: 0.5Ki}}}\n",
		head + "spec: {image: \"rabbitmq:99999999999999999999.1\"}\n",
		head + "spec: {version: \"4.99999999999999999999\"}\n",
		head + "spec: {exposure: {type: LoadBalancer, nodePorts: {amqp: -1}, loadBalancer: {annotations: {\"\": x}}}}\n",
		head + "a: &a [*a]\n",
		head + "spec: &s {plugins: [x]}\nx: *s\n",
		head + "spec: {plugins: [a, a, a, rabbitmq_peer_discovery_k8s]}\n",
		head + "spec: {plugins: {a: b}}\n",
		head + "spec: {replicas: 3, replicas: 3}\n",
		head + "spec: {Replicas: 3}\n",
		head + "spec: {erlangCookie: {secretName: \"\", secretKey: \"..\"}}\n",
		"apiVersion: v1\nkind: ConfigMap\n",
		"!!binary AAAA",
		"? [a]\n: b\n",
		`{"": 1}`,
		head + "spec: {\"\": 1}\n",
	} {
		f.Add([]byte(s))
	}
}

func checkDecode(t *testing.T, data []byte) {
	if len(data) > fuzzMaxInput {
		return
	}
	c, decodeErrs := Decode(data)
	if len(decodeErrs) > 0 {
		if c != nil {
			t.Fatalf("Decode returned an object with the errors %v", decodeErrs)
		}
		checkFieldErrors(t, "Decode", decodeErrs)
		return
	}
	if c == nil {
		t.Fatal("Decode returned neither an object nor an error")
	}
	c.Default()
	errs := c.Validate()
	checkFieldErrors(t, "Validate", errs)

	// Same input, same verdict; defaulting twice changes nothing.
	again, againErrs := Decode(data)
	if len(againErrs) > 0 {
		t.Fatalf("second Decode of the same input failed: %v", againErrs)
	}
	again.Default()
	again.Default()
	if !reflect.DeepEqual(c, again) {
		t.Fatalf("Default is not idempotent:\n once: %+v\ntwice: %+v", c.Spec, again.Spec)
	}
	if errs2 := again.Validate(); !reflect.DeepEqual(errs, errs2) {
		t.Fatalf("Validate is not deterministic:\n%v\n---\n%v", errs, errs2)
	}
	if len(errs) > 0 {
		return
	}
	// What the renderer relies on once Validate accepted a config.
	s := c.Series()
	if !s.AtLeast(OldestSeries.Major, OldestSeries.Minor) || (s != NewestSeries && s.AtLeast(NewestSeries.Major, NewestSeries.Minor)) {
		t.Fatalf("Validate accepted series %s outside %s-%s", s, OldestSeries, NewestSeries)
	}
	if c.Replicas() < 1 {
		t.Fatalf("Validate accepted %d replicas", c.Replicas())
	}
	if c.Name == "" {
		t.Fatal("Validate accepted a config without metadata.name")
	}
	if c.Spec.Discovery.Mode == DiscoveryEtcd && c.Spec.Discovery.Etcd == nil {
		t.Fatal("Validate accepted etcd discovery without its defaulted etcd block")
	}
}

func checkFieldErrors(t *testing.T, what string, errs field.ErrorList) {
	t.Helper()
	for _, e := range errs {
		if e.Field == "" || e.Detail == "" {
			t.Fatalf("%s reported a problem without a field or a message: %#v", what, e)
		}
	}
}
