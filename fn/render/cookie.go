package render

import (
	"crypto/rand"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// NewCookie returns a fresh Erlang cookie: 32 random bytes, hex-encoded. It is the only
// randomness in rabbitmq-krm, and it never runs during a render: only when a user asks for
// a Secret once (the cookie command, or spec.erlangCookie.generate in a kpt package that
// does not have the Secret yet).
func NewCookie() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return an error since Go 1.24
	return hex.EncodeToString(b)
}

// CookieSecret is the Secret the pods read the cookie from (spec.erlangCookie), holding cookie.
// c must be defaulted.
func CookieSecret(c *v1alpha1.RabbitMQCluster, cookie string) *corev1.Secret {
	k := &cluster{RabbitMQCluster: c}
	return &corev1.Secret{
		TypeMeta:   typeMeta("v1", "Secret"),
		ObjectMeta: k.meta(c.Spec.ErlangCookie.SecretName),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{c.Spec.ErlangCookie.SecretKey: []byte(cookie)},
	}
}
