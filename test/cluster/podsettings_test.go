//go:build e2e

package cluster

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The harness's PriorityClass and node taint for TestPodSettings, made as README.md tells a user with
// nodes dedicated to RabbitMQ.
const (
	testPriorityClass = "rabbitmq-krm-test-critical"
	testPriority      = 1000000
	testTaint         = "rabbitmq-krm-test/dedicated=rabbitmq:NoSchedule"
)

// TestPodSettings: spec.pod's scheduling fields and metadata, the client Service's labels and annotations,
// spec.additionalConfig, spec.advancedConfig (with spec.defaultUser) and spec.env, on a 3-node cluster of
// 4.0 and of 4.3 (the two Khepri/Mnesia generations the node runs; 3.10 shares 4.0's env and config
// handling). The node is tainted NoSchedule for the whole test: a pod without the rendered toleration
// cannot be scheduled, so every Ready broker and the completed feature flag Job prove it acts.
func TestPodSettings(t *testing.T) {
	priorityClass(t)
	taintNode(t)
	for _, series := range []string{"4.0", "4.3"} {
		parallelCase(t, "pod-settings/"+series, func(t *testing.T, note func(string, ...any)) {
			podSettings(t, note, series)
		})
	}
}

func podSettingsConfig(t *testing.T, series string) string {
	t.Helper()
	ns := "p-pod-" + strings.ReplaceAll(series, ".", "")
	cfg := fmt.Sprintf(`apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: rabbitmq, namespace: %s}
spec:
  image: rabbitmq:%s-management
  defaultUser: {secretName: rabbitmq-admin}
  additionalConfig: |
    channel_max = 1024
  advancedConfig: |
    [{rabbit, [{heartbeat, 25}]}].
  env:
    - {name: RABBITMQ_MAX_NUMBER_OF_PROCESSES, value: "2097152"}
    - {name: RABBITMQ_KRM_PROOF, value: "env-$(MY_POD_NAME)"}
  exposure:
    labels: {team: messaging}
    annotations: {example.com/owner: messaging-team}
  pod:
    labels: {team: messaging}
    annotations: {example.com/log-parser: json}
    nodeSelector: {kubernetes.io/hostname: %s}
    tolerations:
      - {key: rabbitmq-krm-test/dedicated, operator: Equal, value: rabbitmq, effect: NoSchedule}
    affinity:
      podAntiAffinity:
        preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm: {topologyKey: kubernetes.io/hostname}
    topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}
    priorityClassName: %s
    imagePullSecrets: [{name: registry-credentials}]
`, ns, series, nodeName, testPriorityClass)
	return writeConfig(t, ns, cfg)
}

// priorityClass creates the PriorityClass the config names, removed when the test ends.
func priorityClass(t *testing.T) {
	t.Helper()
	pc := fmt.Sprintf("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: %s}\nvalue: %d\n"+
		"description: RabbitMQ brokers (rabbitmq-krm test)\n", testPriorityClass, testPriority)
	if out, err := kubectl(time.Minute, []byte(pc), "apply", "-f", "-"); err != nil {
		t.Fatalf("PriorityClass: %v\n%s", err, out)
	}
	t.Cleanup(func() { kubectl(time.Minute, nil, "delete", "priorityclass", testPriorityClass, "--ignore-not-found") })
}

// taintNode taints the node NoSchedule until the test ends (after its parallel cases).
func taintNode(t *testing.T) {
	t.Helper()
	if out, err := kubectl(time.Minute, nil, "taint", "nodes", nodeName, testTaint, "--overwrite"); err != nil {
		t.Fatalf("taint: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		kubectl(time.Minute, nil, "taint", "nodes", nodeName, strings.SplitN(testTaint, "=", 2)[0]+":NoSchedule-")
	})
}

func podSettings(t *testing.T, note func(string, ...any), series string) {
	d := deploy(t, podSettingsConfig(t, series), note, caseOpts{})
	d.assertFormed(t)
	note("3 nodes = running = members")
	checkScheduledPods(t, d)
	checkTaintRefusesOthers(t, d, series)
	note("a pod without the toleration stays unschedulable")
	checkClientServiceMetadata(t, d)
	d.waitFeatureFlagJob(t, 5*time.Minute)
	checkJobPod(t, d)
	note("feature flag Job completed on the tainted node")
	checkBrokerSettings(t, d)
	checkNegotiated(t, d)
	note("channel_max 1024 (additionalConfig) and heartbeat 25 (advancedConfig) negotiated, logged in as the default user")
}

// podList is what the checks read of `kubectl get pods -o json`.
type podList struct {
	Items []struct {
		Metadata struct {
			Name        string            `json:"name"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			NodeName                  string           `json:"nodeName"`
			Priority                  *int32           `json:"priority"`
			PriorityClassName         string           `json:"priorityClassName"`
			ImagePullSecrets          []map[string]any `json:"imagePullSecrets"`
			TopologySpreadConstraints []struct {
				TopologyKey   string         `json:"topologyKey"`
				LabelSelector map[string]any `json:"labelSelector"`
			} `json:"topologySpreadConstraints"`
		} `json:"spec"`
	} `json:"items"`
}

func getPods(t *testing.T, ns, selector string) podList {
	t.Helper()
	out, err := kubectl(30*time.Second, nil, "-n", ns, "get", "pods", "-l", selector, "-o", "json")
	var l podList
	if err == nil {
		err = json.Unmarshal([]byte(out), &l)
	}
	if err != nil {
		t.Fatalf("pods %s: %v", selector, err)
	}
	return l
}

// checkScheduledPods: every broker runs on the selected (tainted) node with the PriorityClass's priority, the
// pull Secret and the user's spread constraint (given the brokers' selector), and carries the pod metadata.
func checkScheduledPods(t *testing.T, d *deployment) {
	t.Helper()
	l := getPods(t, d.namespace, "app.kubernetes.io/name=rabbitmq")
	if len(l.Items) != d.replicas {
		t.Fatalf("%d broker pods, want %d", len(l.Items), d.replicas)
	}
	for _, p := range l.Items {
		s, m := p.Spec, p.Metadata
		if s.NodeName != nodeName || s.Priority == nil || *s.Priority != testPriority || s.PriorityClassName != testPriorityClass {
			t.Errorf("%s: node %q, priority %v (%s); want %s, %d", m.Name, s.NodeName, s.Priority, s.PriorityClassName, nodeName, testPriority)
		}
		if len(s.ImagePullSecrets) != 1 || s.ImagePullSecrets[0]["name"] != "registry-credentials" {
			t.Errorf("%s: imagePullSecrets %v", m.Name, s.ImagePullSecrets)
		}
		tsc := s.TopologySpreadConstraints
		if len(tsc) != 1 || tsc[0].TopologyKey != "kubernetes.io/hostname" || !strings.Contains(fmt.Sprint(tsc[0].LabelSelector), "app.kubernetes.io/instance:rabbitmq") {
			t.Errorf("%s: topologySpreadConstraints %+v", m.Name, tsc)
		}
		if m.Labels["team"] != "messaging" || m.Annotations["example.com/log-parser"] != "json" {
			t.Errorf("%s: labels %v, annotations %v", m.Name, m.Labels, m.Annotations)
		}
	}
	// the pull Secret exists and the kubelet found it (no registry here: the images are on the node already)
	if ev, _ := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "events", "--field-selector", "reason=FailedToRetrieveImagePullSecret", "-o", "name"); strings.TrimSpace(ev) != "" {
		t.Errorf("the kubelet could not read the pull Secret: %s", ev)
	}
}

func checkClientServiceMetadata(t *testing.T, d *deployment) {
	t.Helper()
	out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "service", d.stsName, "-o",
		`jsonpath={.metadata.labels.team} {.metadata.annotations.example\.com/owner}`)
	if err != nil || out != "messaging messaging-team" {
		t.Errorf("client Service label and annotation: %q, %v", out, err)
	}
}

// checkJobPod: the feature flag Job's pod ran on the tainted node too (same nodeSelector, toleration and
// pull Secret), without the brokers' priority.
func checkJobPod(t *testing.T, d *deployment) {
	t.Helper()
	l := getPods(t, d.namespace, "app.kubernetes.io/component=feature-flags")
	if len(l.Items) == 0 {
		t.Fatal("no feature flag Job pod")
	}
	for _, p := range l.Items {
		if p.Spec.NodeName != nodeName || p.Spec.PriorityClassName != "" || len(p.Spec.ImagePullSecrets) != 1 {
			t.Errorf("Job pod %s: node %q, priorityClassName %q, imagePullSecrets %v", p.Metadata.Name, p.Spec.NodeName, p.Spec.PriorityClassName, p.Spec.ImagePullSecrets)
		}
	}
}

// checkBrokerSettings reads the running broker's own view: `rabbitmqctl environment` has the additionalConfig
// and advancedConfig values, and the Erlang VM of the broker has the env variables (one changes the VM's
// process limit through rabbitmq-env's +P, one carries $(MY_POD_NAME) expanded by the kubelet).
func checkBrokerSettings(t *testing.T, d *deployment) {
	t.Helper()
	env, err := d.exec(0, 2*time.Minute, "rabbitmqctl", "-q", "environment")
	if err != nil {
		t.Fatalf("rabbitmqctl environment: %v\n%s", err, env)
	}
	compact := strings.Join(strings.Fields(env), "")
	for _, want := range []string{"{channel_max,1024}", "{heartbeat,25}"} {
		if !strings.Contains(compact, want) {
			t.Errorf("rabbitmqctl environment lacks %s", want)
		}
	}
	for expr, want := range map[string]string{
		`erlang:system_info(process_limit).`: "2097152",
		`os:getenv("RABBITMQ_KRM_PROOF").`:   `"env-` + d.pod(0) + `"`,
	} {
		if out, err := d.exec(0, 2*time.Minute, "rabbitmqctl", "-q", "eval", expr); err != nil || strings.TrimSpace(out) != want {
			t.Errorf("rabbitmqctl eval '%s' = %q (%v), want %s", expr, strings.TrimSpace(out), err, want)
		}
	}
}

// checkNegotiated logs in through the client Service with spec.defaultUser's credentials (the setup container
// merges them into the advanced.config that carries the heartbeat) and reads what the broker offered in
// connection.tune: a client asking for nothing gets the broker's channel_max and heartbeat.
func checkNegotiated(t *testing.T, d *deployment) {
	t.Helper()
	conn, err := amqp.DialConfig(d.amqpURL(t, "amqp", 5672)+"?heartbeat=0&channel_max=0", amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		t.Fatalf("login as the default user: %v", err)
	}
	defer conn.Close()
	if conn.Config.ChannelMax != 1024 || conn.Config.Heartbeat != 25*time.Second {
		t.Errorf("negotiated channel_max %d, heartbeat %s; want 1024, 25s", conn.Config.ChannelMax, conn.Config.Heartbeat)
	}
}

// checkTaintRefusesOthers is the negative control of the toleration: a pod with the same nodeSelector and no
// toleration is refused by the scheduler for the taint, so the brokers run because of the rendered one.
func checkTaintRefusesOthers(t *testing.T, d *deployment, series string) {
	t.Helper()
	image := "rabbitmq:" + series + "-management" // present on the node; the pod never starts anyway
	over := fmt.Sprintf(`{"spec": {"nodeSelector": {"kubernetes.io/hostname": %q}}}`, nodeName)
	if out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "run", "no-toleration", "--image="+image,
		"--restart=Never", "--overrides="+over, "--command", "--", "sleep", "1"); err != nil {
		t.Fatalf("negative control pod: %v\n%s", err, out)
	}
	var msg string
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(2 * time.Second) {
		msg, _ = kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pod", "no-toleration", "-o",
			`jsonpath={.spec.nodeName}|{.status.conditions[?(@.type=="PodScheduled")].message}`)
		if strings.Contains(msg, "untolerated taint") || !strings.HasPrefix(msg, "|") {
			break
		}
	}
	if !strings.HasPrefix(msg, "|") || !strings.Contains(msg, "untolerated taint") {
		t.Errorf("a pod without the toleration: %q, want it unscheduled for the untolerated taint", msg)
	}
	kubectl(time.Minute, nil, "-n", d.namespace, "delete", "pod", "no-toleration", "--wait=false")
}
