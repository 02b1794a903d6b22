package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf"
)

// definitionsContainer writes the files every node imports at boot into an emptyDir: the
// boot part of the typed definitions, copied, and with spec.defaultUser a file with that
// user, its password hashed the way RabbitMQ's default rabbit_password_hashing_sha256 does
// (base64 of a 4-byte random salt followed by SHA-256(salt ++ password)), and full
// permissions on "/" and the typed vhosts. A blank node that imports definitions does not
// create the default user, so without this file nobody could log in. The image's own Erlang
// does it without a shell, reading the Secret's files itself: the password is never in
// env, args or the ConfigMap, and only its hash is written. Trailing newlines are dropped
// from both values, as the advanced.config setup does. No crash dump (it would hold the
// password), and errors print no values.
func (k *cluster) definitionsContainer() corev1.Container {
	mounts := []corev1.VolumeMount{
		{Name: volHome, MountPath: homeDir},
		{Name: volTmp, MountPath: "/tmp"},
		{Name: volDefinitions, MountPath: rabbitconf.DefinitionsDir},
		{Name: volTypedDefinitions, MountPath: typedDefinitionsDir, ReadOnly: true},
	}
	if k.Spec.DefaultUser != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: volUser, MountPath: userSecret, ReadOnly: true}) // inside /tmp: after it
	}
	return corev1.Container{
		Name:            componentDefinitions,
		Image:           k.Spec.Image,
		Command:         []string{"erl", "-noshell", "-noinput", "-eval", k.definitionsScript()},
		Env:             []corev1.EnvVar{{Name: "ERL_CRASH_DUMP_SECONDS", Value: "0"}},
		Resources:       initResources("128Mi"),
		SecurityContext: containerSecurityContext(),
		VolumeMounts:    mounts,
	}
}

func (k *cluster) definitionsScript() string {
	steps := []string{fmt.Sprintf(`{ok, _} = file:copy("%s/%s", "%s/%s")`, typedDefinitionsDir, keyBootDefinitions, rabbitconf.DefinitionsDir, fileTyped)}
	if k.Spec.DefaultUser != nil {
		steps = append(steps, k.defaultUserDefinitionsScript())
	}
	return "try\n  " + strings.Join(steps, ",\n  ") + `,
  halt(0)
catch Class:Reason ->
  Why = case Reason of {badmatch, {error, E}} when is_atom(E) -> E; _ -> Class end,
  io:format(standard_error, "writing the definitions failed: ~p~n", [Why]), halt(1)
end.`
}

// defaultUserDefinitionsScript writes the default user's file. Str makes a JSON string of
// any bytes (the decoder takes UTF-8); the vhost names are Erlang byte lists, so no name
// needs quoting.
func (k *cluster) defaultUserDefinitionsScript() string {
	var vhosts []string
	for _, v := range k.definitionsVhosts() {
		b := make([]string, 0, len(v))
		for _, c := range []byte(v) {
			b = append(b, fmt.Sprint(c))
		}
		vhosts = append(vhosts, "<<"+strings.Join(b, ",")+">>")
	}
	return fmt.Sprintf(`Chomp = fun C(B) -> case B of <<>> -> B; _ -> case binary:last(B) of $\n -> C(binary:part(B, 0, byte_size(B) - 1)); _ -> B end end end,
  Read = fun(F) -> {ok, B} = file:read_file(F), Chomp(B) end,
  User = Read("%[1]s/username"),
  Salt = crypto:strong_rand_bytes(4),
  Hash = base64:encode(<<Salt/binary, (crypto:hash(sha256, <<Salt/binary, (Read("%[1]s/password"))/binary>>))/binary>>),
  Str = fun(B) -> [$", [if C =:= $"; C =:= $\\ -> [$\\, C]; C < 32 -> io_lib:format("\\u~4.16.0b", [C]); true -> C end || <<C>> <= B], $"] end,
  Perm = fun(V) -> ["{\"user\": ", Str(User), ", \"vhost\": ", Str(V), ", \"configure\": \".*\", \"write\": \".*\", \"read\": \".*\"}"] end,
  ok = file:write_file("%[2]s/%[3]s", ["{\"users\": [{\"name\": ", Str(User), ", \"password_hash\": \"", Hash,
    "\", \"hashing_algorithm\": \"rabbit_password_hashing_sha256\", \"tags\": \"administrator\"}],\n \"permissions\": [",
    lists:join(",\n  ", [Perm(V) || V <- [%[4]s]]), "]}\n"]),
  ok = file:change_mode("%[2]s/%[3]s", 8#600)`, userSecret, rabbitconf.DefinitionsDir, fileDefaultUser, strings.Join(vhosts, ", "))
}

// definitionsVolumes of the pods: the emptyDir the init container fills and the boot file.
func (k *cluster) definitionsVolumes() []corev1.Volume {
	return []corev1.Volume{
		{Name: volDefinitions, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		k.configMapVolume(volTypedDefinitions, keyBootDefinitions, keyBootDefinitions),
	}
}

// definitionsJob waits until every node of the cluster is running (the replicas key, read
// at run time like the feature flag Job does), then imports the typed definitions, then the
// user's ConfigMap, through node 0, retrying until its deadline.
func (k *cluster) definitionsJob() Object {
	files := []string{typedDefinitionsDir + "/" + keyDefinitions}
	mounts := []corev1.VolumeMount{
		{Name: volTypedDefinitions, MountPath: typedDefinitionsDir, ReadOnly: true},
		{Name: volClusterSize, MountPath: clusterSizeDir, ReadOnly: true},
	}
	vols := []corev1.Volume{
		k.configMapVolume(volTypedDefinitions, keyDefinitions, keyDefinitions),
		k.configMapVolume(volClusterSize, keyReplicas, keyReplicas),
	}
	if name := k.Spec.Definitions.ConfigMapName; name != "" {
		files = append(files, userDefinitionsDir+"/"+keyDefinitions)
		mounts = append(mounts, corev1.VolumeMount{Name: volUserDefinitions, MountPath: userDefinitionsDir, ReadOnly: true})
		vols = append(vols, corev1.Volume{Name: volUserDefinitions, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: name},
			Items:                []corev1.KeyToPath{{Key: keyDefinitions, Path: keyDefinitions}},
		}}})
	}
	sum := sha256.Sum256([]byte(k.definitionsJSON(false)))
	return k.job(cliJob{
		component:      componentDefinitions,
		name:           k.names.DefinitionsJob,
		deadline:       definitionsDeadline,
		script:         k.definitionsJobScript(files),
		podAnnotations: map[string]string{DefinitionsChecksumAnnotation: hex.EncodeToString(sum[:])},
		mounts:         mounts,
		volumes:        vols,
	})
}

// definitionsJobScript: await_online_nodes (3.8+) returns once node 0 sees n running
// members; import_definitions reads the file on the CLI's side and sends it to node 0.
func (k *cluster) definitionsJobScript(files []string) string {
	return fmt.Sprintf(`set -eu
cp %[1]s/%[2]s "$HOME/%[2]s"; chmod 600 "$HOME/%[2]s"
node="rabbit@%[3]s-0.$NODE_SUFFIX"; n=$(cat %[4]s)
until rabbitmqctl -q -n "$node" await_online_nodes "$n" --timeout 60; do
  echo "waiting until $node sees $n running nodes"; sleep 10
done
for f in %[5]s; do
  until rabbitmqctl -q -n "$node" import_definitions "$f"; do
    echo "retrying the import of $f through $node"; sleep 10
  done
  echo "imported $f"
done
`, cookieSecret, cookieFileName, k.names.StatefulSet(), clusterSizeFile, strings.Join(files, " "))
}
