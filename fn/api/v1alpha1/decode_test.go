package v1alpha1

import (
	"strings"
	"testing"
)

func TestDecodeSuggestsFieldNames(t *testing.T) {
	for _, tc := range []struct{ yaml, field, want string }{
		{"spec:\n  replcas: 3\n", "spec.replcas", `did you mean "replicas"`},
		{"spec:\n  Replicas: 3\n", "spec.Replicas", `did you mean "replicas"`},
		{"spec:\n  exposure:\n    nodeports: {}\n", "spec.exposure.nodeports", `did you mean "nodePorts"`},
		{"spec:\n  zzz: 1\n", "spec.zzz", "valid fields here: additionalConfig, advancedConfig, clusterDomain"},
	} {
		_, errs := Decode([]byte("apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata: {name: r}\n" + tc.yaml))
		if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Detail, tc.want) {
			t.Errorf("%q: got %v, want field %s with %q", tc.yaml, errs, tc.field, tc.want)
		}
	}
}

func TestDecodeAcceptsAValidConfig(t *testing.T) {
	c, errs := Decode([]byte("apiVersion: rabbitmq-krm.dev/v1alpha1\nkind: RabbitMQCluster\nmetadata:\n  name: r\n  annotations: {a: b}\nspec:\n  replicas: 5\n"))
	if len(errs) > 0 || *c.Spec.Replicas != 5 {
		t.Fatalf("got %v, %v", c, errs)
	}
	c.Default()
	if errs := c.Validate(); len(errs) != 0 {
		t.Errorf("defaulted minimal config is invalid: %v", errs)
	}
}
