package render_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// The preStop script with stand-ins for the RabbitMQ CLIs: a failed drain is success only
// when the node is not running (paused when the whole cluster stops), so the kubelet records
// no FailedPreStopHook then, and still a failure for a running node that could not drain.
func TestPreStopSucceedsWhenTheNodeIsNotRunning(t *testing.T) {
	out := renderSpec(t, "  replicas: 3\n")
	hook := find[*appsv1.StatefulSet](out.Objects, "rabbitmq").Spec.Template.Spec.Containers[0].Lifecycle.PreStop.Exec.Command
	for _, tc := range []struct {
		name                   string
		drainExit, runningExit string
		wantSuccess            bool
	}{
		{"drained", "0", "0", true},
		{"paused node", "69", "69", true},
		{"running node failed to drain", "69", "0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			stub := func(name, exit string) {
				script := "#!/bin/sh\ncase \" $* \" in *\" drain \"*|*\" check_running \"*) exit " + exit + ";; esac\nexit 0\n"
				if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			stub("rabbitmq-upgrade", tc.drainExit)
			stub("rabbitmq-diagnostics", tc.runningExit)
			cmd := exec.Command(hook[0], hook[1:]...)
			cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
			err := cmd.Run()
			if (err == nil) != tc.wantSuccess {
				t.Errorf("preStop exit: %v, want success %v", err, tc.wantSuccess)
			}
		})
	}
}

// Every image finds rabbitmq.conf at /etc/rabbitmq/rabbitmq.conf: the 3.8 images' entrypoint
// writes one there when it is missing, which fails on the read-only root filesystem.
func TestMainConfigFileIsMounted(t *testing.T) {
	for name, sts := range statefulSets(t) {
		if sts.Spec.Template.Spec.Containers[0].Name != "rabbitmq" {
			continue // a deployed etcd
		}
		found := false
		for _, m := range sts.Spec.Template.Spec.Containers[0].VolumeMounts {
			found = found || (m.MountPath == "/etc/rabbitmq/rabbitmq.conf" && m.SubPath == "rabbitmq.conf" && m.ReadOnly)
		}
		if !found {
			t.Errorf("%s: rabbitmq.conf is not mounted read-only at /etc/rabbitmq/rabbitmq.conf", name)
		}
	}
}
