//go:build e2e

package cluster

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFormation: every config in configs/formation (and, with CLUSTER_CONFIGS=DIR, every config in DIR) forms
// its cluster: every replica Ready, cluster_status nodes = running nodes = replicas from the first and last pod,
// no partitions, no container restarts, no probe that timed out. Our configs run side by side (go test
// -parallel; each has its own namespace and node ports); those of CLUSTER_CONFIGS one at a time, as they may
// share names. k8s discovery on 4.0 and 4.3 (and the article's NFS layout on 3.10) is checked the same way by
// TestScenarios' formation step, on the deployment its scenarios then use.
func TestFormation(t *testing.T) {
	cfgs, err := configsIn("configs/formation")
	if err != nil || len(cfgs) == 0 {
		t.Fatalf("no configs in configs/formation: %v", err)
	}
	for _, cfg := range cfgs {
		parallelCase(t, formationName(cfg), formation(cfg))
	}
	if dir := os.Getenv("CLUSTER_CONFIGS"); dir != "" {
		more, err := configsIn(dir)
		if err != nil || len(more) == 0 {
			t.Fatalf("CLUSTER_CONFIGS=%s: no *.yaml configs (%v)", dir, err)
		}
		for _, cfg := range more {
			runCase(t, formationName(cfg), formation(cfg))
		}
	}
}

func formationName(cfg string) string {
	return "formation/" + strings.TrimSuffix(filepath.Base(cfg), ".yaml")
}

func formation(cfg string) func(*testing.T, func(string, ...any)) {
	return func(t *testing.T, note func(string, ...any)) {
		deploy(t, cfg, note, caseOpts{}).checkFormation(t, note)
	}
}

// checkFormation is what every formation case checks once its pods are Ready.
func (d *deployment) checkFormation(t *testing.T, note func(string, ...any)) {
	d.assertFormed(t)
	d.checkPods(t, note)
	start := time.Now()
	d.waitFeatureFlagJob(t, 5*time.Minute) // started with the brokers: enables the flags once all run
	note("feature flag Job complete %.1fs after Ready", time.Since(start).Seconds())
}

// TestFormationCheckRejects is the negative control of checkFormed: a check that cannot fail proves nothing.
func TestFormationCheckRejects(t *testing.T) {
	want := []string{"rabbit@a", "rabbit@b", "rabbit@c"}
	good := &clusterStatus{DiskNodes: want, RunningNodes: []string{"rabbit@c", "rabbit@a", "rabbit@b"}, Partitions: json.RawMessage(`{}`)}
	if err := checkFormed(good, want); err != nil {
		t.Fatalf("a formed cluster was rejected: %v", err)
	}
	for name, s := range map[string]*clusterStatus{
		"standalone":   {DiskNodes: want[:1], RunningNodes: want[:1]},
		"one down":     {DiskNodes: want, RunningNodes: want[:2]},
		"partitioned":  {DiskNodes: want, RunningNodes: want, Partitions: json.RawMessage(`{"rabbit@a":["rabbit@b"]}`)},
		"foreign node": {DiskNodes: []string{"rabbit@a", "rabbit@b", "rabbit@x"}, RunningNodes: want},
	} {
		if checkFormed(s, want) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// podStatus is the part of a Pod the probe/restart checks read.
type podStatus struct {
	Metadata struct {
		Name              string
		CreationTimestamp time.Time
	}
	Status struct {
		Conditions []struct {
			Type               string
			Status             string
			LastTransitionTime time.Time
		}
		ContainerStatuses     []containerStatus
		InitContainerStatuses []containerStatus
	}
}

type containerStatus struct {
	Name         string
	RestartCount int
	State        containerState
	LastState    containerState
}

type containerState struct {
	Running    *struct{ StartedAt time.Time }
	Terminated *struct{ ExitCode int }
}

// initExitCode is the non-zero exit code of init container name, from its current state or, once the
// kubelet restarts it, its last run; 0 while it has not failed.
func (p *podStatus) initExitCode(name string) int {
	for _, c := range p.Status.InitContainerStatuses {
		if c.Name != name {
			continue
		}
		if c.State.Terminated != nil && c.State.Terminated.ExitCode != 0 {
			return c.State.Terminated.ExitCode
		}
		if c.LastState.Terminated != nil && c.LastState.Terminated.ExitCode != 0 {
			return c.LastState.Terminated.ExitCode
		}
	}
	return 0
}

// started reports whether container name has ever run.
func (p *podStatus) started(name string) bool {
	for _, c := range p.Status.ContainerStatuses {
		if c.Name == name && (c.State.Running != nil || c.State.Terminated != nil || c.LastState.Terminated != nil || c.RestartCount > 0) {
			return true
		}
	}
	return false
}

// checkPods records, per broker pod, container start -> Ready (the startup probe's wait plus the first
// readiness probe) and fails on container restarts or a probe that timed out on this (healthy) node.
func (d *deployment) checkPods(t *testing.T, note func(string, ...any)) {
	t.Helper()
	out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pods", "-l", "app.kubernetes.io/name=rabbitmq", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var pods struct{ Items []podStatus }
	if err := json.Unmarshal([]byte(out), &pods); err != nil {
		t.Fatal(err)
	}
	var took []string
	for _, p := range pods.Items {
		var ready time.Time
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready = c.LastTransitionTime
			}
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Name != "rabbitmq" {
				continue
			}
			if c.RestartCount > 0 {
				t.Errorf("%s: container rabbitmq restarted %d times", p.Metadata.Name, c.RestartCount)
			}
			if c.State.Running != nil && !ready.IsZero() {
				took = append(took, ready.Sub(c.State.Running.StartedAt).String())
			}
		}
	}
	note("container start->Ready %s", strings.Join(took, " "))
	out, err = kubectl(30*time.Second, nil, "-n", d.namespace, "get", "events", "--field-selector", "reason=Unhealthy", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var events struct {
		Items []struct {
			InvolvedObject struct{ Name string }
			Message        string
			Count          int
		}
	}
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatal(err)
	}
	failures := 0
	for _, e := range events.Items {
		failures += max(e.Count, 1)
		// a startup probe fails until the broker has booted; a timeout on this idle node is a finding
		if strings.Contains(e.Message, "timed out") {
			t.Errorf("a probe timed out on a healthy node: %s: %s", e.InvolvedObject.Name, e.Message)
		}
	}
	note("%d failed probes while booting", failures)
}
