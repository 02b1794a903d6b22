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
