//go:build e2e

package rabbitmq

import "testing"

// The harness's $(VAR) expansion must behave exactly like the kubelet's (cases from
// k8s.io/kubernetes/third_party/forked/golang/expansion/expand_test.go semantics).
func TestKubeletVarExpansion(t *testing.T) {
	ctx := map[string]string{"MY_POD_NAME": "rabbitmq-0", "NS": "ns-rabbitmq", "EMPTY": ""}
	for in, want := range map[string]string{
		"rabbit@$(MY_POD_NAME).rabbitmq-nodes.$(NS).svc.cluster.local": "rabbit@rabbitmq-0.rabbitmq-nodes.ns-rabbitmq.svc.cluster.local",
		"/var/lib/rabbitmq/mnesia/$(MY_POD_NAME)":                      "/var/lib/rabbitmq/mnesia/rabbitmq-0",
		"$(UNDEFINED)/x":                     "$(UNDEFINED)/x",
		"$$(MY_POD_NAME)":                    "$(MY_POD_NAME)",
		"$$$(MY_POD_NAME)":                   "$rabbitmq-0",
		"a$(EMPTY)b":                         "ab",
		"$(MY_POD_NAME":                      "$(MY_POD_NAME",
		"$MY_POD_NAME":                       "$MY_POD_NAME",
		"trailing $":                         "trailing $",
		"$(cat /etc/pod-info/x 2>/dev/null)": "$(cat /etc/pod-info/x 2>/dev/null)",
	} {
		if got := expandVars(in, mappingFor(ctx)); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

// Container paths inside scripts are rewritten to the pod's local dirs; a trailing slash survives (the setup
// container reads "/tmp/default-user-secret/$1").
func TestRewriteText(t *testing.T) {
	p := &pod{dir: "/pods/p0"}
	mounts := []mount{{"/tmp/default-user-secret", "/vol/user"}, {"/etc/rabbitmq/conf.d", "/vol/conf-d"}}
	for in, want := range map[string]string{
		`sed -e 's/[\\"]/\\&/g' "/tmp/default-user-secret/$1"`: `sed -e 's/[\\"]/\\&/g' "/vol/user/$1"`,
		"cat /tmp/default-user-secret/password":                "cat /vol/user/password",
		"> /etc/rabbitmq/conf.d/advanced.config":               "> /vol/conf-d/advanced.config",
		"cd /etc/rabbitmq/conf.d/ && ls /etc/rabbitmq/conf.d":  "cd /vol/conf-d/ && ls /vol/conf-d",
		"x=/etc/rabbitmq/enabled_plugins":                      "x=/pods/p0/image/etc/rabbitmq/enabled_plugins",
		"/bin/sh -c true":                                      "/bin/sh -c true",
	} {
		if got := p.rewriteText(mounts, in); got != want {
			t.Errorf("rewriteText(%q) = %q, want %q", in, got, want)
		}
	}
}
