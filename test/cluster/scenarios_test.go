//go:build e2e

package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScenarios runs, per series, the operational scenarios on one deployment (in this order, each its own
// pass/fail case): formation with k8s discovery (the formation checks of TestFormation: 4.0 lists the
// Endpoints through the rendered Role, 4.3 seeds from pod 0), the article's drill, a full restart, pod loss
// under a confirmed publisher, a rolling restart after a config change; then TLS-only with the default user on
// its own deployment. 3.10, the oldest broker we boot, runs formation and the article's drill only. The series
// run side by side (go test -parallel; each has its own namespace), their steps one after the other.
func TestScenarios(t *testing.T) {
	for _, series := range []string{"4.0", "4.3", "3.10"} {
		inParallel(t, "scenario/"+series, func(t *testing.T) { scenarioSeries(t, series) })
	}
}

func scenarioSeries(t *testing.T, series string) {
	cfg := filepath.Join("configs", "scenarios", "ops-"+series+".yaml")
	group := "scenario/" + series
	var d *deployment
	runStep(t, group, "formation-k8s", func(t *testing.T, note func(string, ...any)) {
		d = deploy(t, cfg, note, caseOpts{keep: true}) // kept for the scenarios below; removed after them
		d.checkFormation(t, note)
	})
	if d == nil {
		return
	}
	for _, s := range scenarioSteps(series) {
		runStep(t, group, s.name, func(t *testing.T, note func(string, ...any)) { s.f(t, d, note) })
	}
	d.remove()
	if series != "3.10" {
		runStep(t, group, "tls-default-user", tlsDefaultUser(series))
	}
}

type step struct {
	name string
	f    func(*testing.T, *deployment, func(string, ...any))
}

func scenarioSteps(series string) []step {
	if series == "3.10" {
		return []step{{"drill", drill}}
	}
	steps := []step{
		{"drill", drill},
		{"full-restart", fullRestart},
		{"pod-loss-1", func(t *testing.T, d *deployment, n func(string, ...any)) { podLoss(t, d, 1, n) }},
	}
	if series == "4.3" { // pod 0 is the seed of k8s discovery >= 4.1: it must rejoin, not form a new cluster
		steps = append(steps, step{"pod-loss-0", func(t *testing.T, d *deployment, n func(string, ...any)) { podLoss(t, d, 0, n) }})
	}
	return append(steps, step{"rolling-restart", rollingRestart})
}

// amqpURL is the client Service (ClusterIP, through kube-proxy) with the default user's credentials.
func (d *deployment) amqpURL(t *testing.T, scheme string, port int) string {
	t.Helper()
	ip, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "service", d.stsName, "-o", "jsonpath={.spec.clusterIP}")
	if err != nil || ip == "" {
		t.Fatalf("client Service %s: %v", d.stsName, err)
	}
	if d.creds["username"] == "" {
		t.Fatal("the scenario config needs spec.defaultUser (guest only works from localhost)")
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(d.creds["username"], d.creds["password"]), Host: net.JoinHostPort(ip, strconv.Itoa(port)), Path: "/"}
	return u.String()
}

// drill is the article's: a durable queue with 1000 persistent messages, `kubectl delete statefulset`,
// re-apply, 1000 consumed.
func drill(t *testing.T, d *deployment, note func(string, ...any)) {
	u := d.amqpURL(t, "amqp", 5672)
	if err := publishConfirmed(u, "drill", false, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := kubectl(time.Minute, nil, "-n", d.namespace, "delete", "statefulset", d.stsName); err != nil {
		t.Fatal(err)
	}
	if _, err := kubectl(5*time.Minute, nil, "-n", d.namespace, "wait", "--for=delete", "pod", "-l", "app.kubernetes.io/name=rabbitmq", "--timeout=290s"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := kubectl(time.Minute, yamlOf(d.docs), "apply", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	if err := d.waitReady(6 * time.Minute); err != nil {
		t.Fatal(err)
	}
	note("re-applied: Ready after %.1fs", time.Since(start).Seconds())
	d.assertFormed(t)
	expectConsumed(t, u, "drill", 1000, "the drill")
	note("1000/1000 consumed")
}

// expectConsumed drains queue and fails unless exactly n distinct messages come out.
func expectConsumed(t *testing.T, url, queue string, n int, after string) {
	t.Helper()
	got, err := drain(url, queue, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("consumed %d distinct messages after %s, want %d", len(got), after, n)
	}
}

// fullRestart deletes every broker pod at once; the cluster must come back by itself (no force_boot) with
// its messages.
func fullRestart(t *testing.T, d *deployment, note func(string, ...any)) {
	u := d.amqpURL(t, "amqp", 5672)
	if err := publishConfirmed(u, "full-restart", false, 500); err != nil {
		t.Fatal(err)
	}
	uids := d.podUIDs(t)
	start := time.Now()
	if _, err := kubectl(5*time.Minute, nil, "-n", d.namespace, "delete", "pod", "-l", "app.kubernetes.io/name=rabbitmq", "--timeout=290s"); err != nil {
		t.Fatal(err)
	}
	d.waitAllReplaced(t, uids, 8*time.Minute)
	note("all pods back Ready %.1fs after the delete", time.Since(start).Seconds())
	d.assertFormed(t)
	expectConsumed(t, u, "full-restart", 500, "the full restart")
}

// podLoss deletes pod i (1 s grace: no drain) while a publisher with confirms runs against a quorum queue.
func podLoss(t *testing.T, d *deployment, i int, note func(string, ...any)) {
	u := d.amqpURL(t, "amqp", 5672)
	q := fmt.Sprintf("loss-%d", i)
	// connect to pod i itself: the lost pod then holds the publisher's connection and the queue's leader
	p := runningPublisher(t, u, d.podURL(t, u, i), q)
	uids := d.podUIDs(t)
	start := time.Now()
	if _, err := kubectl(time.Minute, nil, "-n", d.namespace, "delete", "pod", d.pod(i), "--grace-period=1", "--wait=false"); err != nil {
		t.Fatal(err)
	}
	d.waitReplaced(t, d.pod(i), uids[d.pod(i)], 6*time.Minute)
	note("%s back Ready after %.1fs", d.pod(i), time.Since(start).Seconds())
	d.assertFormed(t)
	time.Sleep(3 * time.Second)
	if errs := checkNoLoss(t, p, u, q, note); errs == 0 {
		t.Errorf("the publisher never lost its connection to %s: the loss was not exercised", d.pod(i))
	}
}

// podURL is u with pod i's IP instead of the Service's.
func (d *deployment) podURL(t *testing.T, u string, i int) string {
	t.Helper()
	ips, err := podIPs(d.namespace, d.stsName, d.replicas)
	if err != nil || ips[d.pod(i)] == "" {
		t.Fatalf("IP of %s: %v", d.pod(i), err)
	}
	pu, _ := url.Parse(u)
	pu.Host = net.JoinHostPort(ips[d.pod(i)], pu.Port())
	return pu.String()
}

// runningPublisher starts a confirmed publisher (first: the URL of its first connection, "" for
// url) and returns once 50 messages are confirmed; it is stopped when the test ends, if the test
// has not finished it.
func runningPublisher(t *testing.T, url, first, queue string) *publisher {
	t.Helper()
	p := startPublisher(url, first, queue)
	t.Cleanup(func() {
		if !p.stopped() {
			p.finish()
		}
	})
	waitConfirmed(t, p, 50)
	return p
}

func waitConfirmed(t *testing.T, p *publisher, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		c := len(p.confirmed)
		p.mu.Unlock()
		if c >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the publisher got fewer than %d confirms in a minute: %v", n, p.errors)
}

// checkNoLoss stops the publisher, consumes the queue and fails on any confirmed message missing; it returns
// how often the publisher had to reconnect.
func checkNoLoss(t *testing.T, p *publisher, u, q string, note func(string, ...any)) int {
	t.Helper()
	confirmed, sent, gap, errs := p.finish()
	got, err := drain(u, q, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	lost := lostConfirmed(confirmed, got)
	note("%d sent, %d confirmed, %d consumed, longest gap between confirms %.1fs, %d publisher reconnects",
		sent, len(confirmed), len(got), gap.Seconds(), len(errs))
	if len(confirmed) == 0 {
		t.Fatal("nothing was confirmed: the check proves nothing")
	}
	if len(lost) > 0 {
		t.Fatalf("%d confirmed messages lost, e.g. %v", len(lost), lost[:min(len(lost), 10)])
	}
	return len(errs)
}

// rollingRestart changes the config (one more plugin: a new config checksum on the pod template), applies it
// and checks that the pods restart one at a time, through the preStop hook without failures, while a quorum
// queue keeps taking confirmed messages and loses none.
func rollingRestart(t *testing.T, d *deployment, note func(string, ...any)) {
	changed := filepath.Join(d.dir, "changed.yaml")
	if err := withPlugin(d.config, changed, "rabbitmq_shovel"); err != nil {
		t.Fatal(err)
	}
	docs, err := render(krmBin, changed)
	if err != nil {
		t.Fatal(err)
	}
	r, err := prepare(docs, d.pvRoot, cpuScale)
	if err != nil {
		t.Fatal(err)
	}
	u := d.amqpURL(t, "amqp", 5672)
	p := runningPublisher(t, u, "", "rolling")
	uids := d.podUIDs(t)
	start := time.Now()
	if _, err := kubectl(time.Minute, yamlOf(r.docs), "apply", "-f", "-"); err != nil {
		t.Fatal(err)
	}
	minReady := d.replicas
	for !d.allReplaced(uids) {
		if time.Since(start) > 15*time.Minute {
			t.Fatal("the rolling restart did not finish in 15 min")
		}
		if n := d.readyCount(t); n < minReady {
			minReady = n
		}
		time.Sleep(time.Second)
	}
	if err := d.waitReady(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	note("rolled in %.1fs, at least %d/%d Ready throughout", time.Since(start).Seconds(), minReady, d.replicas)
	if minReady < d.replicas-1 {
		t.Errorf("%d pods were down at once during the rolling restart", d.replicas-minReady)
	}
	// only this step's events: the pod-loss steps before it cut preStop short on purpose (1 s grace)
	ev, err := eventsSince(d.namespace, "FailedPreStopHook", start)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) > 0 {
		t.Errorf("preStop hook failed (kubelet event FailedPreStopHook):\n%s", strings.Join(ev, "\n"))
	}
	d.docs = r.docs
	d.assertFormed(t)
	checkNoLoss(t, p, u, "rolling", note)
}

// withPlugin copies a config with one more entry in spec.plugins.
func withPlugin(in, out, plugin string) error {
	return withSpec(in, out, func(spec map[string]any) { spec["plugins"] = append(list(spec["plugins"]), plugin) })
}

// tlsDefaultUser: TLS-only listeners; amqps login with the Secret's credentials, verified against the CA;
// negative controls: a wrong password and the closed plain port are refused.
func tlsDefaultUser(series string) func(*testing.T, func(string, ...any)) {
	return func(t *testing.T, note func(string, ...any)) {
		d := deploy(t, filepath.Join("configs", "scenarios", "tls-"+series+".yaml"), note, caseOpts{})
		d.assertFormed(t)
		pem, err := os.ReadFile(d.creds["ca"])
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg := &tls.Config{RootCAs: pool, ServerName: fmt.Sprintf("%s.%s.svc.cluster.local", d.stsName, d.namespace)}
		u := d.amqpURL(t, "amqps", 5671)
		conn, err := dial(u, cfg)
		if err != nil {
			t.Fatalf("amqps login with the Secret's credentials: %v", err)
		}
		ch, err := conn.Channel()
		if err == nil {
			err = declare(ch, "tls", true)
		}
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		bad, _ := url.Parse(u)
		bad.User = url.UserPassword(d.creds["username"], d.creds["password"]+"x")
		if c, err := dial(bad.String(), cfg); err == nil {
			c.Close()
			t.Error("a wrong password was accepted")
		}
		plain := d.amqpURL(t, "amqp", 5672)
		if c, err := dial(plain, nil); err == nil {
			c.Close()
			t.Error("plain AMQP on 5672 answered although disableNonTLSListeners is set")
		}
		note("amqps login as %s ok; wrong password and plain 5672 refused", d.creds["username"])
	}
}

// eventsSince lists "<object>: <message>" of the namespace's events with this reason last seen at or after since.
func eventsSince(ns, reason string, since time.Time) ([]string, error) {
	out, err := kubectl(30*time.Second, nil, "-n", ns, "get", "events", "--field-selector", "reason="+reason, "-o", "json")
	if err != nil {
		return nil, err
	}
	var l struct {
		Items []struct {
			InvolvedObject struct{ Name string }
			Message        string
			LastTimestamp  time.Time
			EventTime      time.Time
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		return nil, err
	}
	var found []string
	for _, e := range l.Items {
		at := e.LastTimestamp
		if at.IsZero() {
			at = e.EventTime
		}
		if !at.Before(since.Truncate(time.Second)) {
			found = append(found, e.InvolvedObject.Name+": "+e.Message)
		}
	}
	return found, nil
}
