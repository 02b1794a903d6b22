package render_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// The feature flag Job's script with stand-ins for the CLIs: three nodes on 4.0.5 are upgraded
// to the image's 4.0.6 one per `sleep`; the flags must be enabled once, through node 0, and only
// after every node answers 4.0.6.
func TestFeatureFlagJobWaitsForEveryNode(t *testing.T) {
	job := featureFlagJob(t, renderSpec(t, "  replicas: 3\n  image: rabbitmq:4.0.6-management\n"))
	c := job.Spec.Template.Spec.Containers[0]
	dir, bin, stub := jobStubs(t)
	// sleep upgrades the next node: $S/upgraded counts the upgraded nodes
	stub("sleep", `n=$(/bin/cat $S/upgraded 2>/dev/null || echo 0); echo $((n + 1)) > $S/upgraded`+"\n")
	stub("rabbitmq-diagnostics", `node=$3; i=${node#rabbit@rabbitmq-}; i=${i%%.*}
n=$(/bin/cat $S/upgraded 2>/dev/null || echo 0); [ "$i" -lt "$n" ] && echo 4.0.6 || echo 4.0.5`+"\n")
	stub("rabbitmqctl", `case "$*" in
*" version") echo 4.0.6 ;;
*enable_feature_flag*) echo "$3 $(/bin/cat $S/upgraded)" >> $S/enabled ;;
*list_feature_flags*) echo "flags listed" ;;
esac`+"\n")
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir, "NODE_SUFFIX=rabbitmq-nodes.mq.svc.cluster.local"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Job's script failed: %v\n%s", err, out)
	}
	enabled, _ := os.ReadFile(filepath.Join(dir, "enabled"))
	if got, want := strings.TrimSpace(string(enabled)), "rabbit@rabbitmq-0.rabbitmq-nodes.mq.svc.cluster.local 3"; got != want {
		t.Errorf("enable_feature_flag calls (node, upgraded nodes at the time): %q, want %q\nscript output:\n%s", got, want, out)
	}
	if !strings.Contains(string(out), "waiting until all 3 nodes run RabbitMQ 4.0.6") || !strings.Contains(string(out), "flags listed") {
		t.Errorf("the script does not say what it waits for, or lists no flags:\n%s", out)
	}
}

// jobStubs prepares stand-ins for a CLI Job's script: stub(name, script) writes an
// executable name into bin whose script sees $S = dir; cp, chmod and cat (replicas: 3) are
// stubbed already.
func jobStubs(t *testing.T) (dir, bin string, stub func(name, script string)) {
	dir, bin = t.TempDir(), t.TempDir()
	stub = func(name, script string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\nS="+dir+"\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stub("cp", "exit 0\n")
	stub("chmod", "exit 0\n")
	stub("cat", `[ "$1" = /etc/rabbitmq-cluster-size/replicas ] && echo 3 || exec /bin/cat "$@"`+"\n")
	return dir, bin, stub
}

// The Job's pods must never be taken for brokers: no Service, PDB or discovery selects them.
func TestFeatureFlagJobIsNoBroker(t *testing.T) {
	out := renderSpec(t, "  replicas: 3\n  networkPolicy: {}\n")
	podLabels := featureFlagJob(t, out).Spec.Template.Labels
	if podLabels["app.kubernetes.io/name"] == "rabbitmq" {
		t.Errorf("the Job's pods carry the brokers' selector labels: %v", podLabels)
	}
	if a := featureFlagJob(t, out).Annotations; a["argocd.argoproj.io/hook"] != "PostSync" {
		t.Errorf("Argo CD would not run the Job after the sync: annotations %v", a)
	}
	// ... but the NetworkPolicy lets them reach epmd and distribution on the brokers
	cliReachesNodes(t, out, podLabels)
}

// cliReachesNodes: the NetworkPolicy admits pods with these labels to epmd and distribution.
func cliReachesNodes(t *testing.T, out render.Output, podLabels map[string]string) {
	t.Helper()
	policy := find[*networkingv1.NetworkPolicy](out.Objects, "rabbitmq")
	for _, port := range []int32{4369, 25672} {
		admitted := false
		for _, r := range policy.Spec.Ingress {
			for _, from := range r.From {
				if from.PodSelector != nil && labels.SelectorFromSet(from.PodSelector.MatchLabels).Matches(labels.Set(podLabels)) {
					admitted = admitted || admits([]networkingv1.NetworkPolicyIngressRule{r}, port)
				}
			}
		}
		if !admitted {
			t.Errorf("the NetworkPolicy keeps the pods labelled %v from port %d", podLabels, port)
		}
	}
}
