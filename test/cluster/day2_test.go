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

	"sigs.k8s.io/yaml"
)

// TestDay2 runs, per series, on one deployment: scale 3 -> 5 (the first 3 pods keep their UIDs and restart
// nothing), then an image change within the series under a confirmed publisher, after which the rendered
// feature flag Job enables every stable flag (0 confirmed messages lost).
//
// A fresh cluster has every stable flag enabled already, so the deployment starts as an upgrade leaves it:
// stable flags disabled. That is the one scenario-specific change (README.md): RABBITMQ_FEATURE_FLAGS limits
// what a fresh node enables, and the first Job is applied suspended; the image change renders a new one.
//
// The series run one after the other: side by side, two 5-broker clusters plus their feature flag Jobs take
// the test node's CPU requests, and a rolled pod stayed Pending (a deadlock seen on the real node).
func TestDay2(t *testing.T) {
	for _, series := range []string{"4.0", "4.3"} {
		t.Run("day2/"+series, func(t *testing.T) { day2Series(t, series) })
	}
}

func day2Series(t *testing.T, series string) {
	cfg := filepath.Join("configs", "day2", "day2-"+series+".yaml")
	group := "day2/" + series
	var d *deployment
	runStep(t, group, "deploy-flags-disabled", func(t *testing.T, note func(string, ...any)) {
		var start time.Time
		d, start = apply(t, cfg, caseOpts{keep: true, mutate: asAfterAnUpgrade})
		if err := d.waitReady(6 * time.Minute); err != nil {
			t.Fatal(err)
		}
		note("%d/%d Ready %.1fs after apply", d.replicas, d.replicas, time.Since(start).Seconds())
		d.assertFormed(t)
		off := d.stableFlagsDisabled(t)
		if len(off) == 0 {
			t.Fatal("precondition: every stable feature flag is enabled already, so the Job would prove nothing")
		}
		note("stable flags disabled, as after an upgrade: %s", strings.Join(off, ", "))
	})
	if d == nil {
		return
	}
	runStep(t, group, "scale-3-to-5", func(t *testing.T, note func(string, ...any)) { scaleUp(t, d, 5, note) })
	runStep(t, group, "image-change-feature-flags", func(t *testing.T, note func(string, ...any)) { imageChange(t, d, note) })
	deleteCase(d.namespace, d.pvRoot)
}

// asAfterAnUpgrade: fresh nodes enable only quorum_queue (required in 4.x, so every other stable flag stays
// disabled), and the feature flag Job is applied suspended (it starts no pod).
func asAfterAnUpgrade(docs []doc) {
	keepFlagsEnv(docs)
	for _, d := range docs {
		if str(d["kind"]) == "Job" {
			d["spec"].(map[string]any)["suspend"] = true
		}
	}
}

// scaleUp raises replicas and checks that only new pods start: same UIDs and no restarts for the others.
func scaleUp(t *testing.T, d *deployment, replicas int, note func(string, ...any)) {
	before, restarts := d.podUIDs(t), d.restartCounts(t)
	old := d.replicas
	start := d.reapply(t, "scaled.yaml", func(spec map[string]any) { spec["replicas"] = replicas }, asAfterAnUpgrade)
	if d.replicas != replicas {
		t.Fatalf("rendered %d replicas, want %d", d.replicas, replicas)
	}
	if err := d.waitReady(8 * time.Minute); err != nil {
		t.Fatal(err)
	}
	note("%d/%d Ready %.1fs after apply", replicas, replicas, time.Since(start).Seconds())
	now, restarted := d.podUIDs(t), d.restartCounts(t)
	for i := range old {
		if p := d.pod(i); now[p] != before[p] || restarted[p] != restarts[p] {
			t.Errorf("%s was replaced or restarted by the scale-up (uid %s -> %s, restarts %d -> %d)", p, before[p], now[p], restarts[p], restarted[p])
		}
	}
	d.assertFormed(t)
	note("pods 0-%d kept their UIDs with 0 restarts; %d nodes in one cluster", old-1, replicas)
}

// imageChange switches to another tag of the same version (rabbitmq:X.Y.Z-management -> rabbitmq:X.Y.Z): the
// pods roll while a quorum queue takes confirmed messages, and the Job, now applied, enables every stable flag.
func imageChange(t *testing.T, d *deployment, note func(string, ...any)) {
	u := d.amqpURL(t, "amqp", 5672)
	p := runningPublisher(t, u, "", "upgrade")
	uids := d.podUIDs(t)
	image := ""
	start := d.reapply(t, "image.yaml", func(spec map[string]any) {
		image = strings.TrimSuffix(str(spec["image"]), "-management")
		spec["image"] = image
	}, keepFlagsEnv)
	d.waitAllReplaced(t, uids, 20*time.Minute)
	note("%d pods rolled to %s in %.1fs", d.replicas, image, time.Since(start).Seconds())
	d.waitFeatureFlagJob(t, 10*time.Minute)
	note("feature flag Job complete %.1fs after apply", time.Since(start).Seconds())
	if off := d.stableFlagsDisabled(t); len(off) > 0 {
		t.Errorf("stable feature flags still disabled after the Job: %s", strings.Join(off, ", "))
	}
	d.assertFormed(t)
	checkNoLoss(t, p, u, "upgrade", note)
}

// waitFeatureFlagJob waits until the rendered feature flag Job has completed.
func (d *deployment) waitFeatureFlagJob(t *testing.T, timeout time.Duration) {
	t.Helper()
	jobs := d.names("Job")
	if len(jobs) != 1 {
		t.Fatalf("rendered %d feature flag Jobs, want 1", len(jobs))
	}
	if out, err := kubectl(timeout+time.Minute, nil, "-n", d.namespace, "wait", "--for=condition=complete", "job/"+jobs[0], "--timeout="+timeout.String()); err != nil {
		logs, _ := kubectl(time.Minute, nil, "-n", d.namespace, "logs", "job/"+jobs[0], "--tail=30")
		t.Fatalf("feature flag Job %s did not complete: %v %s\n%s", jobs[0], err, out, logs)
	}
}

// keepFlagsEnv sets RABBITMQ_FEATURE_FLAGS; after the first boot it changes nothing, but keeping it makes the
// image the only change to the pod template.
func keepFlagsEnv(docs []doc) {
	for _, d := range docs {
		if str(d["kind"]) == "StatefulSet" {
			c := list(get(d, "spec", "template", "spec", "containers"))[0].(map[string]any)
			c["env"] = append(list(c["env"]), map[string]any{"name": "RABBITMQ_FEATURE_FLAGS", "value": "quorum_queue"})
		}
	}
}

// reapply renders the deployment's config changed by edit (written to the case dir as file), applies it with
// the harness's test-only changes (and mutate) and makes it the deployment's rendered state.
func (d *deployment) reapply(t *testing.T, file string, edit func(spec map[string]any), mutate func([]doc)) time.Time {
	t.Helper()
	changed := filepath.Join(d.dir, file)
	if err := withSpec(d.config, changed, edit); err != nil {
		t.Fatal(err)
	}
	docs, err := render(krmBin, changed)
	if err != nil {
		t.Fatal(err)
	}
	mutate(docs)
	r, err := prepare(docs, d.pvRoot, cpuScale)
	if err != nil {
		t.Fatal(err)
	}
	if err := createLocalPVs(r, d.pvRoot, nodeName); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if out, err := kubectl(time.Minute, yamlOf(r.docs), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	d.rendered, d.config = r, changed
	return start
}

// withSpec copies a config with its spec changed by edit.
func withSpec(in, out string, edit func(spec map[string]any)) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var c map[string]any
	if err := yaml.Unmarshal(b, &c); err != nil {
		return err
	}
	edit(c["spec"].(map[string]any))
	if b, err = yaml.Marshal(c); err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// stableFlagsDisabled lists the stable feature flags pod 0's cluster has not enabled.
func (d *deployment) stableFlagsDisabled(t *testing.T) []string {
	t.Helper()
	out, err := d.exec(0, 90*time.Second, "rabbitmqctl", "-q", "list_feature_flags", "name", "state", "stability", "--formatter", "json")
	if err != nil {
		t.Fatal(err)
	}
	var flags []struct{ Name, State, Stability string }
	if i := strings.Index(out, "["); i < 0 || json.Unmarshal([]byte(out[i:]), &flags) != nil || len(flags) == 0 {
		t.Fatalf("list_feature_flags printed no flags:\n%s", out)
	}
	var off []string
	for _, f := range flags {
		if f.Stability == "stable" && f.State != "enabled" {
			off = append(off, f.Name)
		}
	}
	sort.Strings(off)
	return off
}

// restartCounts maps each broker pod to its rabbitmq container's restart count.
func (d *deployment) restartCounts(t *testing.T) map[string]int {
	t.Helper()
	out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pods", "-l", "app.kubernetes.io/name=rabbitmq",
		"-o", `jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[?(@.name=="rabbitmq")].restartCount}{"\n"}{end}`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var name string
		var n int
		if _, err := fmt.Sscan(l, &name, &n); err == nil {
			counts[name] = n
		}
	}
	return counts
}
