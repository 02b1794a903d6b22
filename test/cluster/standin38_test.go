//go:build e2e

package cluster

import (
	"strings"
	"testing"
	"time"
)

// TestStandIn38NegativeControl: the k8s-3.8 formation case proves something only if the 3.8 stand-in
// entrypoint really runs and really fails without /etc/rabbitmq/rabbitmq.conf. The same rendered
// output with that one mount removed (the layout before the fix) must crash-loop with the
// entrypoint's error on the read-only root, as every 3.8 pod did on the official images.
func TestStandIn38NegativeControl(t *testing.T) {
	runCase(t, "formation/k8s-3.8-without-main-config", func(t *testing.T, note func(string, ...any)) {
		d, _ := apply(t, "configs/formation/k8s-3.8.yaml", caseOpts{mutate: dropMainConfigMount})
		want := "cannot touch '/etc/rabbitmq/rabbitmq.conf': Read-only file system"
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) {
			out, _ := kubectl(time.Minute, nil, "-n", d.namespace, "logs", d.pod(0), "-c", "rabbitmq", "--previous")
			if strings.Contains(out, want) {
				note("%s crash-loops: %s", d.pod(0), want)
				return
			}
			time.Sleep(5 * time.Second)
		}
		t.Fatalf("%s did not fail with %q: the stand-in entrypoint is not what runs", d.pod(0), want)
	})
}

// dropMainConfigMount removes the broker container's /etc/rabbitmq/rabbitmq.conf mount.
func dropMainConfigMount(docs []doc) {
	for _, d := range docs {
		if str(d["kind"]) != "StatefulSet" {
			continue
		}
		for _, c := range list(get(d, "spec", "template", "spec", "containers")) {
			c := c.(map[string]any)
			var kept []any
			for _, m := range list(c["volumeMounts"]) {
				if str(m.(map[string]any)["mountPath"]) != "/etc/rabbitmq/rabbitmq.conf" {
					kept = append(kept, m)
				}
			}
			c["volumeMounts"] = kept
		}
	}
}
