package render

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMap keys.
const (
	keyRabbitmqConf   = "rabbitmq.conf"
	keyEnabledPlugins = "enabled_plugins"
	// keyReplicas is the cluster size, read at run time by the startup probe and the feature
	// flag Job, so that their templates, and the pods, do not change with replicas.
	keyReplicas = "replicas"
	// keyAdvancedConfig is the advanced.config template (rabbitconf.Files.AdvancedConfig).
	keyAdvancedConfig = "advanced.config"
)

func (k *cluster) configMap() Object {
	data := map[string]string{
		keyRabbitmqConf:   k.files.RabbitmqConf,
		keyEnabledPlugins: k.files.EnabledPlugins,
		keyReplicas:       strconv.Itoa(int(k.Replicas())),
	}
	if k.files.AdvancedConfig != "" {
		data[keyAdvancedConfig] = k.files.AdvancedConfig
	}
	if k.Spec.Definitions != nil {
		data[keyDefinitions] = k.definitionsJSON(false)
		data[keyBootDefinitions] = k.definitionsJSON(true)
	}
	return &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: k.meta(k.names.ConfigMap()), Data: data}
}

// configChecksum identifies what a running node reads from the ConfigMap (and the cookie
// Secret's name and key, which the pods also read at start). It leaves out what only a
// joining node reads (the replicas key, RunningNodeConf), so scaling up restarts no pod.
func (k *cluster) configChecksum() string {
	h := sha256.New()
	parts := []string{k.files.RunningNodeConf, k.files.EnabledPlugins, k.Spec.ErlangCookie.SecretName, k.Spec.ErlangCookie.SecretKey}
	if k.files.AdvancedConfig != "" {
		// Only when present, so that configs without it keep their checksum (and pods).
		parts = append(parts, k.files.AdvancedConfig)
	}
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
