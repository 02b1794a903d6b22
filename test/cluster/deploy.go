//go:build e2e

package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// cpuScale fits three brokers (1 CPU requested each by default) plus etcd and CoreDNS on the 2-CPU node.
const cpuScale = 0.2

// deployment is one rendered config applied to the node.
type deployment struct {
	*rendered
	config string
	dir    string            // case files (certs, manifests)
	creds  map[string]string // default user and TLS CA, when the config has them
	pvRoot string
}

// caseOpts are a case's choices about its deployment; the zero value is the common case.
type caseOpts struct {
	// keep: the namespace outlives the test (the caller removes it; a failure still removes it)
	keep bool
	// mutate changes the rendered documents before the apply, for negative controls only: the product's
	// output is always applied as rendered
	mutate func([]doc)
	// user and password, when set, are the default user Secret's exact bytes (else a random user)
	user, password string
	// configMaps are created in the namespace before the apply, as a user creates what the config names
	// (spec.definitions.configMapName): name -> key -> value
	configMaps map[string]map[string]string
}

// deploy renders config with the binary under test, creates what README.md tells a user to create (Namespace,
// Secrets) plus the PVs a provisioner would, applies the output and waits for every broker to be Ready.
// The case's namespace is removed when the test ends, unless opts.keep.
func deploy(t *testing.T, config string, note func(string, ...any), opts caseOpts) *deployment {
	t.Helper()
	d, start := apply(t, config, opts)
	if err := d.waitReady(6 * time.Minute); err != nil {
		t.Fatal(err)
	}
	note("%d/%d Ready %.1fs after apply", d.replicas, d.replicas, time.Since(start).Seconds())
	return d
}

// apply is deploy without the wait.
func apply(t *testing.T, config string, opts caseOpts) (*deployment, time.Time) {
	t.Helper()
	docs, err := render(krmBin, config)
	if err != nil {
		t.Fatal(err)
	}
	if opts.mutate != nil {
		opts.mutate(docs)
	}
	d := &deployment{config: config, pvRoot: filepath.Join(runDir, "pv")}
	if d.rendered, err = prepare(docs, d.pvRoot, cpuScale); err != nil {
		t.Fatal(err)
	}
	d.dir = filepath.Join(runDir, "cases", d.namespace)
	os.RemoveAll(d.dir)
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	deleteCase(d.namespace, d.pvRoot) // leftovers of an interrupted earlier run
	t.Cleanup(func() {
		if t.Failed() {
			d.dumpState(t)
		} else if opts.keep {
			return
		}
		d.remove()
	})
	if err := createNamespace(d.namespace); err != nil {
		t.Fatal(err)
	}
	if d.creds, err = createSecrets(d.rendered, d.dir, opts.user, opts.password); err != nil {
		t.Fatal(err)
	}
	if err := createLocalPVs(d.rendered, d.pvRoot, nodeName); err != nil {
		t.Fatal(err)
	}
	if err := createConfigMaps(d.namespace, d.dir, opts.configMaps); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d.dir, "applied.yaml"), yamlOf(d.docs), 0o644)
	start := time.Now()
	if out, err := kubectl(2*time.Minute, yamlOf(d.docs), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	return d, start
}

// remove deletes the case's namespace, its PVs (the local ones and the rendered, cluster-scoped NFS ones)
// and the directories behind them.
func (d *deployment) remove() {
	deleteCase(d.namespace, d.pvRoot)
	for _, pv := range d.names("PersistentVolume") {
		kubectl(time.Minute, nil, "delete", "pv", pv, "--ignore-not-found")
	}
	for _, dir := range d.hostPathDirs {
		os.RemoveAll(dir)
	}
}

// waitReady waits until the broker StatefulSet has every replica Ready on its current revision.
func (d *deployment) waitReady(timeout time.Duration) error {
	_, err := kubectl(timeout+10*time.Second, nil, "-n", d.namespace, "rollout", "status", "statefulset/"+d.stsName,
		"--timeout="+timeout.String())
	if err != nil {
		return fmt.Errorf("StatefulSet %s not Ready within %s: %v", d.stsName, timeout, err)
	}
	for _, sts := range d.names("StatefulSet") { // the deployed etcd too
		if sts != d.stsName {
			if _, err := kubectl(timeout, nil, "-n", d.namespace, "rollout", "status", "statefulset/"+sts, "--timeout="+timeout.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *deployment) pod(i int) string { return fmt.Sprintf("%s-%d", d.stsName, i) }

// nodeName is the RabbitMQ node name of pod i, from the rendered RABBITMQ_NODENAME with the kubelet's $(VAR)
// expansion of the two downward-API variables.
func (d *deployment) nodeName(i int) string {
	for _, doc := range d.docs {
		if str(doc["kind"]) != "StatefulSet" || str(get(doc, "metadata", "name")) != d.stsName {
			continue
		}
		for _, e := range list(get(list(get(doc, "spec", "template", "spec", "containers"))[0], "env")) {
			if str(get(e, "name")) == "RABBITMQ_NODENAME" {
				return strings.NewReplacer("$(MY_POD_NAME)", d.pod(i), "$(MY_POD_NAMESPACE)", d.namespace).Replace(str(get(e, "value")))
			}
		}
	}
	return ""
}

// exec runs a command in the broker container of pod i (kubectl exec through the kubelet).
func (d *deployment) exec(i int, timeout time.Duration, cmd ...string) (string, error) {
	return kubectl(timeout, nil, append([]string{"-n", d.namespace, "exec", d.pod(i), "-c", "rabbitmq", "--"}, cmd...)...)
}

// clusterStatus is the part of `rabbitmqctl cluster_status --formatter json` the checks use.
type clusterStatus struct {
	DiskNodes    []string        `json:"disk_nodes"`
	RunningNodes []string        `json:"running_nodes"`
	Partitions   json.RawMessage `json:"partitions"`
}

func (d *deployment) clusterStatus(i int) (*clusterStatus, error) {
	out, err := d.exec(i, 90*time.Second, "rabbitmqctl", "-q", "cluster_status", "--formatter", "json")
	if err != nil {
		return nil, err
	}
	var s clusterStatus
	i0 := strings.Index(out, "{") // skip any line the CLI prints before the JSON
	if i0 < 0 {
		return nil, fmt.Errorf("cluster_status of %s printed no JSON:\n%s", d.pod(i), out)
	}
	if err := json.Unmarshal([]byte(out[i0:]), &s); err != nil {
		return nil, fmt.Errorf("cluster_status of %s: %v\n%s", d.pod(i), err, out)
	}
	return &s, nil
}

// checkFormed is the formation check: seen from pod i, nodes = running nodes = every replica's node name,
// and no partitions.
func checkFormed(s *clusterStatus, want []string) error {
	sort.Strings(want)
	nodes, running := append([]string(nil), s.DiskNodes...), append([]string(nil), s.RunningNodes...)
	sort.Strings(nodes)
	sort.Strings(running)
	if strings.Join(nodes, ",") != strings.Join(want, ",") {
		return fmt.Errorf("cluster members %v, want %v", nodes, want)
	}
	if strings.Join(running, ",") != strings.Join(want, ",") {
		return fmt.Errorf("running nodes %v, want %v", running, want)
	}
	p := strings.TrimSpace(string(s.Partitions))
	if p != "" && p != "{}" && p != "[]" && p != "null" {
		return fmt.Errorf("partitions: %s", p)
	}
	return nil
}

func (d *deployment) wantNodes() []string {
	var want []string
	for i := 0; i < d.replicas; i++ {
		want = append(want, d.nodeName(i))
	}
	return want
}

// assertFormed checks the cluster from the first and the last pod (a split cluster looks whole from nowhere).
func (d *deployment) assertFormed(t *testing.T) {
	t.Helper()
	for _, i := range []int{0, d.replicas - 1} {
		s, err := d.clusterStatus(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkFormed(s, d.wantNodes()); err != nil {
			t.Fatalf("seen from %s: %v", d.pod(i), err)
		}
	}
}

// dumpState logs what explains a failure: pods, events, the last log lines of each broker.
func (d *deployment) dumpState(t *testing.T) {
	out, _ := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pods,pvc", "-o", "wide")
	t.Logf("pods:\n%s", out)
	out, _ = kubectl(30*time.Second, nil, "-n", d.namespace, "get", "events", "--sort-by=.lastTimestamp")
	t.Logf("events:\n%s", tail(out, 40))
	for i := 0; i < d.replicas; i++ {
		out, _ = kubectl(30*time.Second, nil, "-n", d.namespace, "logs", d.pod(i), "-c", "rabbitmq", "--tail=25")
		t.Logf("%s log:\n%s", d.pod(i), out)
	}
}

func tail(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// podUIDs maps each broker pod to its UID (a recreated pod has a new one).
func (d *deployment) podUIDs(t *testing.T) map[string]string {
	t.Helper()
	uids, err := d.pods()
	if err != nil {
		t.Fatal(err)
	}
	return uids
}

// pods: name -> UID, and name+"/ready" -> "true" for Ready pods.
func (d *deployment) pods() (map[string]string, error) {
	out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pods", "-l", "app.kubernetes.io/name=rabbitmq",
		"-o", `jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
	if err != nil {
		return nil, err
	}
	uids := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(l); len(f) >= 2 {
			uids[f[0]] = f[1]
			if len(f) == 3 && f[2] == "True" {
				uids[f[0]+"/ready"] = "true"
			}
		}
	}
	return uids, nil
}

// replaced reports whether pod has a new UID and is Ready.
func replaced(now map[string]string, pod, oldUID string) bool {
	return now[pod] != "" && now[pod] != oldUID && now[pod+"/ready"] == "true"
}

func (d *deployment) allReplaced(old map[string]string) bool {
	now, err := d.pods()
	if err != nil {
		return false // the API hiccuped; the caller polls again
	}
	for i := 0; i < d.replicas; i++ {
		if !replaced(now, d.pod(i), old[d.pod(i)]) {
			return false
		}
	}
	return true
}

func (d *deployment) readyCount(t *testing.T) int {
	now, n := d.podUIDs(t), 0
	for i := 0; i < d.replicas; i++ {
		if now[d.pod(i)+"/ready"] == "true" {
			n++
		}
	}
	return n
}

func (d *deployment) waitReplaced(t *testing.T, pod, oldUID string, timeout time.Duration) {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(time.Second) {
		if replaced(d.podUIDs(t), pod, oldUID) {
			return
		}
	}
	t.Fatalf("%s was not recreated and Ready within %s", pod, timeout)
}

func (d *deployment) waitAllReplaced(t *testing.T, old map[string]string, timeout time.Duration) {
	t.Helper()
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(time.Second) {
		if d.allReplaced(old) {
			return
		}
	}
	t.Fatalf("not every pod was recreated and Ready within %s", timeout)
}
