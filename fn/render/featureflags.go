package render

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Feature flag Job settings.
const (
	componentFeatureFlags = "feature-flags"
	// featureFlagsDeadline covers a slow rollout: every pod may drain for its grace period.
	featureFlagsDeadline = 6 * 3600
	// featureFlagsTTL removes a finished Job after a day. kubectl or kustomize re-applying it
	// afterwards runs it again, which is harmless: every flag is already enabled.
	featureFlagsTTL = 24 * 3600
	// RabbitMQVersionAnnotation records the version a StatefulSet or Job was rendered for.
	RabbitMQVersionAnnotation = "rabbitmq-krm.dev/rabbitmq-version"
)

// featureFlagsJob enables every stable feature flag once every node runs the rendered
// version: the step the operator runs after an upgrade. The next series refuses to boot
// without the flags of this one (4.0 needs every 3.13 flag, 4.3 needs khepri_db, stable from
// 4.2). A new image makes a new Job (cliJob).
func (k *cluster) featureFlagsJob() Object {
	return k.job(cliJob{
		component: componentFeatureFlags,
		name:      k.names.FeatureFlagsJob,
		deadline:  featureFlagsDeadline,
		script:    k.featureFlagsScript(),
		mounts:    []corev1.VolumeMount{{Name: volClusterSize, MountPath: clusterSizeDir, ReadOnly: true}},
		volumes:   []corev1.Volume{k.configMapVolume(volClusterSize, keyReplicas, keyReplicas)},
	})
}

// featureFlagsScript waits until every node answers with the CLI's own version (the Job runs
// the cluster's image), then enables all stable flags through node 0. Any failure, such as a
// node still booting, is retried until the Job's deadline, every 30 s: each try starts a CLI VM
// per node, which on the 2-core test node competed with the booting brokers.
func (k *cluster) featureFlagsScript() string {
	return fmt.Sprintf(`set -eu
cp %[1]s/%[2]s "$HOME/%[2]s"; chmod 600 "$HOME/%[2]s"
want=$(rabbitmqctl -q version); n=$(cat %[3]s)
node() { echo "rabbit@%[4]s-$1.$NODE_SUFFIX"; }
upgraded() {
  i=0
  while [ "$i" -lt "$n" ]; do
    [ "$(rabbitmq-diagnostics -q -n "$(node "$i")" server_version 2>/dev/null)" = "$want" ] || return 1
    i=$((i + 1))
  done
}
until upgraded && rabbitmqctl -q -n "$(node 0)" enable_feature_flag all; do
  echo "waiting until all $n nodes run RabbitMQ $want"; sleep 30
done
rabbitmqctl -q -n "$(node 0)" list_feature_flags name state
`, cookieSecret, cookieFileName, clusterSizeFile, k.names.StatefulSet())
}

// shortHash is 7 hex digits of the SHA-256 of v's JSON (struct fields in order, map keys
// sorted: deterministic).
func shortHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // typed Kubernetes objects always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:7]
}
