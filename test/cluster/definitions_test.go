//go:build e2e

package cluster

import (
	"encoding/json"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestDefinitions: spec.definitions on 4.0 and 4.3, three nodes each, with the awkward default user of
// TestFeatures and a ConfigMap of the user's (configMapName). Once the definitions Job has completed, the
// vhosts, exchanges, queues (quorum and stream with a replica on each of the 3 nodes, classic; the ConfigMap's
// too), bindings and the policy exist, and the Secret's user logs in (a blank node that imports definitions
// creates no default user: the init container's hashed user does). Then a policy change and a new queue are
// re-applied: the next Job imports them through node 0 and no pod restarts. Last, a restarted node imports the
// boot files again and the user still logs in.
func TestDefinitions(t *testing.T) {
	for _, series := range []string{"4.0", "4.3"} {
		parallelCase(t, "definitions/"+series, func(t *testing.T, note func(string, ...any)) {
			definitions(t, note, series)
		})
	}
}

const definitionsSpec = `  defaultUser: {secretName: rabbitmq-admin}
  definitions:
    configMapName: legacy-definitions
    vhosts: [{name: orders, description: Order processing}]
    exchanges: [{name: orders.events, vhost: orders, type: topic}]
    queues:
      - {name: orders.created, vhost: orders, type: quorum}
      - {name: orders.audit, vhost: orders, type: stream, arguments: {x-max-age: 7D}}
      - {name: orders.dead, vhost: orders}
    bindings:
      - {vhost: orders, source: orders.events, destination: orders.created, routingKey: "order.created.#"}
      - {vhost: orders, source: orders.events, destination: orders.audit, routingKey: "#"}
    policies:
      - {name: orders-limits, vhost: orders, pattern: '^orders\.created$', applyTo: quorum_queues, priority: 1, definition: {max-length: 1000}}
`

// legacyDefinitions is the user's own definitions.json, as rabbitmqctl export_definitions writes it.
const legacyDefinitions = `{"vhosts": [{"name": "legacy"}],
 "queues": [{"name": "legacy.jobs", "vhost": "legacy", "durable": true, "auto_delete": false, "arguments": {"x-queue-type": "quorum"}}]}`

func definitions(t *testing.T, note func(string, ...any), series string) {
	user := userCases()[0]
	d := deploy(t, clusterConfig(t, "definitions", series, 3, definitionsSpec), note, caseOpts{
		user: user.user, password: user.password,
		configMaps: map[string]map[string]string{"legacy-definitions": {"definitions.json": legacyDefinitions}},
	})
	first := d.waitDefinitionsJob(t, 5*time.Minute)
	d.checkDefinitions(t, []string{"orders.audit", "orders.created", "orders.dead"}, 1000)
	if qs := d.queues(t, "legacy"); len(qs) != 1 || qs[0].Name != "legacy.jobs" || qs[0].Type != "quorum" || len(qs[0].members()) != d.replicas {
		t.Errorf("the ConfigMap's queue legacy/legacy.jobs (quorum, on every node) was not imported: %+v", qs)
	}
	host := d.podAMQP(t)
	for _, vhost := range []string{"/", "orders"} {
		if err := loginVhost(host, vhost, user.user, user.password); err != nil {
			t.Errorf("the Secret's user %q in vhost %q: %v", user.user, vhost, err)
		}
	}
	// negative control: vhost legacy is only in the user's ConfigMap, which grants the default user nothing
	if err := loginVhost(host, "legacy", user.user, user.password); !accessRefused(err) { // 403 "no access to this vhost"
		t.Errorf("the default user in vhost legacy (no permissions there): want access refused, got %v", err)
	}
	if err := loginPlain(host, user.user, user.wrongPasswords[0]); !accessRefused(err) {
		t.Errorf("a wrong password: want ACCESS_REFUSED, got %v", err)
	}
	note("Job %s complete: vhosts, exchange, 3 queues (quorum and stream on all %d nodes, classic) + the ConfigMap's, 2 bindings, policy applied; the Secret's user %q logs in to / and orders", first, d.replicas, user.user)

	uids, restarts := d.podUIDs(t), d.restartCounts(t)
	start := d.reapply(t, "changed.yaml", func(spec map[string]any) {
		defs := spec["definitions"].(map[string]any)
		defs["queues"] = append(defs["queues"].([]any), map[string]any{"name": "orders.shipped", "vhost": "orders", "type": "quorum"})
		defs["policies"].([]any)[0].(map[string]any)["definition"] = map[string]any{"max-length": 2000}
	}, func([]doc) {})
	job := d.waitDefinitionsJob(t, 5*time.Minute)
	if job == first {
		t.Fatalf("the change rendered the same Job %s: Kubernetes would not run it again", job)
	}
	took := time.Since(start)
	d.checkDefinitions(t, []string{"orders.audit", "orders.created", "orders.dead", "orders.shipped"}, 2000)
	if now := d.podUIDs(t); !maps.Equal(now, uids) || !maps.Equal(d.restartCounts(t), restarts) {
		t.Errorf("pods restarted for a definitions change: UIDs %v -> %v", uids, now)
	}
	note("changed policy and new queue imported by Job %s %.1fs after apply; no pod restarted", job, took.Seconds())
	d.restartImports(t, note, host, user)
}

// restartImports deletes the (only) pod: the node is not blank now, and imports the files again at boot
// (the default user's password from the Secret once more); the definitions and the login survive.
func (d *deployment) restartImports(t *testing.T, note func(string, ...any), host string, user userCase) {
	if out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "label", "pod", d.pod(0), "skipPreStopChecks=true"); err != nil {
		t.Fatalf("label: %v %s", err, out)
	}
	uid := d.podUIDs(t)[d.pod(0)]
	start := time.Now()
	if out, err := kubectl(2*time.Minute, nil, "-n", d.namespace, "delete", "pod", d.pod(0)); err != nil {
		t.Fatalf("delete pod: %v %s", err, out)
	}
	d.waitReplaced(t, d.pod(0), uid, 5*time.Minute)
	if err := d.waitReady(5 * time.Minute); err != nil {
		t.Fatal(err)
	}
	d.checkDefinitions(t, []string{"orders.audit", "orders.created", "orders.dead", "orders.shipped"}, 2000)
	host = d.podAMQP(t)
	if err := loginVhost(host, "orders", user.user, user.password); err != nil {
		t.Errorf("after a restart, the Secret's user in vhost orders: %v", err)
	}
	if log, _ := kubectl(30*time.Second, nil, "-n", d.namespace, "logs", d.pod(0), "-c", "rabbitmq"); !strings.Contains(log, "30-default-user.json") {
		t.Errorf("the restarted node's log does not show the definitions files imported")
	}
	note("pod deleted and back Ready %.1fs later; definitions intact, the user logs in", time.Since(start).Seconds())
}

// loginVhost logs in as user (SASL PLAIN, exact bytes) to vhost and declares orders.created passively
// there when it is orders: the user's permissions, not only its password.
func loginVhost(hostport, vhost, user, password string) error {
	conn, err := amqp.DialConfig("amqp://"+hostport+"/", amqp.Config{Dial: amqp.DefaultDial(10 * time.Second), Vhost: vhost,
		SASL: []amqp.Authentication{&amqp.PlainAuth{Username: user, Password: password}}})
	if err != nil {
		return err
	}
	defer conn.Close()
	if vhost != "orders" {
		return nil
	}
	ch, err := conn.Channel()
	if err == nil {
		_, err = ch.QueueDeclarePassive("orders.created", true, false, false, false, nil)
	}
	return err
}

// podAMQP is pod 0's AMQP address.
func (d *deployment) podAMQP(t *testing.T) string {
	t.Helper()
	ips, err := podIPs(d.namespace, d.stsName, 1)
	if err != nil || ips[d.pod(0)] == "" {
		t.Fatalf("IP of %s: %v", d.pod(0), err)
	}
	return net.JoinHostPort(ips[d.pod(0)], "5672")
}

// ctlJSON runs rabbitmqctl -q ARGS --formatter json in pod 0 and decodes the JSON list it prints.
func (d *deployment) ctlJSON(t *testing.T, into any, args ...string) {
	t.Helper()
	out, err := d.exec(0, 90*time.Second, append(append([]string{"rabbitmqctl", "-q"}, args...), "--formatter", "json")...)
	if err != nil {
		t.Fatalf("rabbitmqctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if i := strings.Index(out, "["); i < 0 || json.Unmarshal([]byte(out[i:]), into) != nil {
		t.Fatalf("rabbitmqctl %s printed no JSON list:\n%s", strings.Join(args, " "), out)
	}
}

type queueInfo struct {
	Name, Type, Policy string
	Members            json.RawMessage // a list of nodes (quorum, stream; classic: its one node)
}

func (q queueInfo) members() []string {
	var m []string
	json.Unmarshal(q.Members, &m)
	return m
}

func (d *deployment) queues(t *testing.T, vhost string) []queueInfo {
	var qs []queueInfo
	d.ctlJSON(t, &qs, "list_queues", "-p", vhost, "name", "type", "policy", "members")
	slices.SortFunc(qs, func(a, b queueInfo) int { return strings.Compare(a.Name, b.Name) })
	return qs
}

// checkDefinitions: what definitionsSpec declares exists in vhost orders, with queues (sorted) and the
// policy's max-length as given.
func (d *deployment) checkDefinitions(t *testing.T, queues []string, maxLength int) {
	t.Helper()
	var vhosts []struct{ Name string }
	d.ctlJSON(t, &vhosts, "list_vhosts", "name")
	for _, want := range []string{"/", "orders", "legacy"} {
		if !slices.ContainsFunc(vhosts, func(v struct{ Name string }) bool { return v.Name == want }) {
			t.Errorf("vhost %q missing: %v", want, vhosts)
		}
	}
	var xs []struct{ Name, Type string }
	d.ctlJSON(t, &xs, "list_exchanges", "-p", "orders", "name", "type")
	if !slices.Contains(xs, struct{ Name, Type string }{"orders.events", "topic"}) {
		t.Errorf("topic exchange orders.events missing: %v", xs)
	}
	qs := d.queues(t, "orders")
	types := map[string]string{"orders.created": "quorum", "orders.audit": "stream", "orders.dead": "classic", "orders.shipped": "quorum"}
	var names []string
	for _, q := range qs {
		names = append(names, q.Name)
		if q.Type != types[q.Name] || (q.Name == "orders.created") != (q.Policy == "orders-limits") {
			t.Errorf("queue %s: type %s, policy %q; want type %s, and the policy on orders.created only", q.Name, q.Type, q.Policy, types[q.Name])
		}
		if q.Type != "classic" && len(q.members()) != d.replicas {
			t.Errorf("%s queue %s has replicas on %s: want one on each of the %d nodes", q.Type, q.Name, q.Members, d.replicas)
		}
	}
	if !slices.Equal(names, queues) {
		t.Errorf("queues in vhost orders: %v, want %v", names, queues)
	}
	var bs []struct {
		Source      string `json:"source_name"`
		Destination string `json:"destination_name"`
		RoutingKey  string `json:"routing_key"`
	}
	d.ctlJSON(t, &bs, "list_bindings", "-p", "orders", "source_name", "destination_name", "routing_key")
	for _, want := range [][2]string{{"orders.created", "order.created.#"}, {"orders.audit", "#"}} {
		if !slices.ContainsFunc(bs, func(b struct {
			Source      string `json:"source_name"`
			Destination string `json:"destination_name"`
			RoutingKey  string `json:"routing_key"`
		}) bool {
			return b.Source == "orders.events" && b.Destination == want[0] && b.RoutingKey == want[1]
		}) {
			t.Errorf("binding orders.events -> %s (%s) missing: %+v", want[0], want[1], bs)
		}
	}
	d.checkPolicy(t, maxLength)
}

func (d *deployment) checkPolicy(t *testing.T, maxLength int) {
	t.Helper()
	var ps []struct {
		Name       string
		ApplyTo    string `json:"apply-to"`
		Definition json.RawMessage
		Priority   int
	}
	d.ctlJSON(t, &ps, "list_policies", "-p", "orders")
	if len(ps) != 1 {
		t.Fatalf("policies in vhost orders: %+v, want orders-limits", ps)
	}
	def := map[string]any{}
	if json.Unmarshal(ps[0].Definition, &def) != nil { // a string holding JSON on some versions
		var s string
		json.Unmarshal(ps[0].Definition, &s)
		json.Unmarshal([]byte(s), &def)
	}
	if p := ps[0]; p.Name != "orders-limits" || p.ApplyTo != "quorum_queues" || p.Priority != 1 || def["max-length"] != float64(maxLength) {
		t.Errorf("policy %+v definition %v: want orders-limits, quorum_queues, priority 1, max-length %d", p, def, maxLength)
	}
}

// waitDefinitionsJob waits until the rendered definitions Job (<name>-def-*) has completed and returns its name.
func (d *deployment) waitDefinitionsJob(t *testing.T, timeout time.Duration) string {
	t.Helper()
	var job string
	for _, j := range d.names("Job") {
		if strings.HasPrefix(j, d.stsName+"-def-") {
			job = j
		}
	}
	if job == "" {
		t.Fatal("no definitions Job rendered")
	}
	if out, err := kubectl(timeout+time.Minute, nil, "-n", d.namespace, "wait", "--for=condition=complete", "job/"+job, "--timeout="+timeout.String()); err != nil {
		logs, _ := kubectl(time.Minute, nil, "-n", d.namespace, "logs", "job/"+job, "--tail=30")
		t.Fatalf("definitions Job %s did not complete: %v %s\n%s", job, err, out, logs)
	}
	return job
}
