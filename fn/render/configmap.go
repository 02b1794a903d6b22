package render

import (
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMap keys.
const (
	keyRabbitmqConf   = "rabbitmq.conf"
	keyEnabledPlugins = "enabled_plugins"
)

func (k *cluster) configMap() Object {
	return &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: k.meta(k.names.ConfigMap()),
		Data: map[string]string{
			keyRabbitmqConf:   k.files.RabbitmqConf,
			keyEnabledPlugins: k.files.EnabledPlugins,
		},
	}
}

// configChecksum identifies the ConfigMap's content (and the cookie Secret's name and key,
// which the pods also read at start).
func (k *cluster) configChecksum() string {
	h := sha256.New()
	for _, part := range []string{k.files.RabbitmqConf, k.files.EnabledPlugins, k.Spec.ErlangCookie.SecretName, k.Spec.ErlangCookie.SecretKey} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
