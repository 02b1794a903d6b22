package render

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// awaitClusterSeconds bounds how long a booting node waits for the whole cluster.
const awaitClusterSeconds = 300

// startupProbe holds back readiness until the node runs and sees the target cluster size
// (rabbitmqctl await_online_nodes, in every supported series), so a rolling update moves
// on only once the restarted node has rejoined. If peers stay missing (a lost machine),
// the node starts anyway after awaitClusterSeconds instead of being restarted in a loop.
// It is an exec probe, which starts a CLI VM, but only while the node boots; readiness
// after that is a TCP check. The size is read from the ConfigMap at run time, never
// written into the pod template: a new replicas count must not restart the running pods.
func (k *cluster) startupProbe() *corev1.Probe {
	script := fmt.Sprintf(`n=$(cat %[1]s) && rabbitmq-diagnostics -q check_running && { rabbitmqctl -q await_online_nodes "$n" --timeout %[2]d || echo "fewer than $n nodes online after %[2]ds: starting anyway"; }`, clusterSizeFile, awaitClusterSeconds)
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", script}}},
		// Every 5 s: a node boots in 5-10 s, and on the real node a 10 s period added up to 10 s
		// to every pod start and to each step of a rolling restart (test/cluster/FINDINGS.md).
		PeriodSeconds:    5,
		TimeoutSeconds:   awaitClusterSeconds + 60, // the CLI VM itself may be slow to start under load
		FailureThreshold: 120,                      // up to 10 minutes to boot (mnesia waits for peers' tables)
	}
}
