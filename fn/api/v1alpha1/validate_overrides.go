package v1alpha1

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/confschema"
	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/erlterms"
)

// Owned is what the renderer sets for a config, so what spec.additionalConfig,
// spec.advancedConfig and spec.env must leave alone.
type Owned struct {
	// ConfKeys are the rabbitmq.conf keys written, each with why the function owns it ("" for
	// a default that additionalConfig replaces); a key ending in ".*" claims its whole prefix.
	ConfKeys []OwnedKey
	// Env are the names of the rabbitmq container's environment variables.
	Env []string
	// PodLabels, PodAnnotations, ServiceLabels and ServiceAnnotations are the keys set on the
	// RabbitMQ pods and the client Service, each with why (a key ending in "/*" claims its
	// prefix): spec.pod and spec.exposure must leave them alone.
	PodLabels, PodAnnotations, ServiceLabels, ServiceAnnotations []OwnedKey
	// Selector selects the RabbitMQ pods: topology spread constraints and pod anti-affinity
	// terms without a labelSelector get it.
	Selector map[string]string
}

// OwnedKey is a rabbitmq.conf key the function writes and why it owns it.
type OwnedKey struct{ Key, Owner string }

// OwnedBy tells what the renderer sets for a valid config. Package render assigns it when
// it is loaded: it imports this package, so Validate cannot call it directly, and the
// owned keys and variables are read from the code that writes them rather than listed twice.
var OwnedBy func(*RabbitMQCluster) Owned

// validateOwnership runs on an otherwise valid config (the renderer needs one).
func (c *RabbitMQCluster) validateOwnership(errs *field.ErrorList) {
	if OwnedBy == nil {
		return
	}
	owned := OwnedBy(c)
	c.validateOwnedSettings(errs, owned.ConfKeys)
	c.validateOwnedMetadata(errs, owned)
	for i, e := range c.Spec.Env {
		for _, name := range owned.Env {
			if e.Name == name {
				add(errs, fmt.Sprintf("spec.env[%d].name", i), "%s is set by rabbitmq-krm for this config (node names, data directory, plugins and config files depend on it): remove it", name)
			}
		}
	}
}

// validateOwnedSettings refuses additionalConfig lines and advanced.config entries that set
// what rabbitmq-krm writes. The series' schema is read only when there is one to check:
// reading it was 3-4 % of a whole render process's CPU (docs/performance.md).
func (c *RabbitMQCluster) validateOwnedSettings(errs *field.ErrorList, keys []OwnedKey) {
	lines := c.Spec.AdditionalConfig.Lines()
	cfg, _ := erlterms.Parse(c.Spec.AdvancedConfig) // no apps on a syntax error (validateAdvancedConfig's)
	if len(lines) == 0 && len(cfg.Apps) == 0 {
		return
	}
	series, _ := ParseSeries(c.Spec.Version)
	schema, _ := confschema.For(series.String())
	targets := ownedTargets(schema, keys)
	for _, l := range lines {
		m, _ := schema.Lookup(l.Key)
		if o, ok := targets.find(l.Key, m.Target); ok {
			add(errs, "spec.additionalConfig", "line %d: %s is set by rabbitmq-krm (%s): %s; remove the line", l.Number, l.Key, o.Key, o.Owner)
		}
	}
	for _, app := range cfg.Apps {
		for _, key := range app.Keys {
			if o, ok := targets.find("", app.Name+"."+key); ok {
				add(errs, "spec.advancedConfig", "{%s, [{%s, ...}]} overrides %s, which rabbitmq-krm sets (%s): remove it", app.Name, key, o.Key, o.Owner)
			}
		}
	}
}

// ownership maps settings (mapping targets, e.g. rabbit.tcp_listeners) and key prefixes to
// the key that owns them.
type ownership struct {
	targets  map[string]OwnedKey
	prefixes []OwnedKey
}

func ownedTargets(schema *confschema.Schema, keys []OwnedKey) ownership {
	o := ownership{targets: map[string]OwnedKey{}}
	for _, k := range keys {
		switch m, ok := schema.Lookup(k.Key); {
		case k.Owner == "":
		case strings.HasSuffix(k.Key, ".*"):
			o.prefixes = append(o.prefixes, k)
		case ok:
			o.targets[m.Target] = k
		}
	}
	return o
}

// find returns the owner of a key or of a target: the same setting, a setting inside it
// (an advanced.config entry replaces the whole value), or a claimed prefix.
func (o ownership) find(key, target string) (OwnedKey, bool) {
	for _, p := range o.prefixes {
		if key != "" && strings.HasPrefix(key, strings.TrimSuffix(p.Key, "*")) {
			return p, true
		}
	}
	if k, ok := o.targets[target]; ok && target != "" {
		return k, true
	}
	for _, t := range slices.Sorted(maps.Keys(o.targets)) {
		if target != "" && strings.HasPrefix(t, target+".") {
			return o.targets[t], true
		}
	}
	return OwnedKey{}, false
}

// validateAdvancedConfig checks the Erlang terms' syntax as far as possible without Erlang.
func validateAdvancedConfig(errs *field.ErrorList, text string) {
	const p = "spec.advancedConfig"
	if strings.TrimSpace(text) == "" {
		return
	}
	cfg, err := erlterms.Parse(text)
	if err != nil {
		add(errs, p, "is not valid advanced.config, a list of {Application, [{Key, Value}, ...]} ending with a dot (e.g. [{rabbit, [{credit_flow_default_credit, {400, 200}}]}].): %v", err)
		return
	}
	for _, app := range cfg.Apps {
		for _, key := range app.Keys {
			if app.Name == "rabbit" && (key == "default_user" || key == "default_pass") {
				add(errs, p, "sets rabbit's %s: credentials do not belong in the ConfigMap; name a Secret in spec.defaultUser", key)
			}
		}
	}
}

func validateEnv(errs *field.ErrorList, env []corev1.EnvVar) {
	seen := map[string]bool{}
	for i, e := range env {
		path := fmt.Sprintf("spec.env[%d]", i)
		for _, msg := range validation.IsEnvVarName(e.Name) {
			add(errs, path+".name", "%q is not a valid variable name: %s", e.Name, msg)
		}
		if seen[e.Name] {
			add(errs, path+".name", "%s is listed twice", e.Name)
		}
		seen[e.Name] = true
		if e.ValueFrom != nil && e.Value != "" {
			add(errs, path, "sets both value and valueFrom: keep one")
		}
	}
}
