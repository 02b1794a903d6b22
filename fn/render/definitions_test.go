package render_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

const definitionsSpec = `  image: rabbitmq:4.3.6-management
  defaultUser: {secretName: admin}
  definitions:
    vhosts: [{name: orders}]
    exchanges: [{name: events, vhost: orders, type: topic}]
    queues: [{name: created, vhost: orders, type: quorum}, {name: audit, vhost: orders, type: stream}]
    bindings: [{vhost: orders, source: events, destination: created, routingKey: "order.#"}]
    policies: [{name: limits, vhost: orders, pattern: '^created$', definition: {max-length: 1000}}]
`

func definitionsJob(t *testing.T, out render.Output) *batchv1.Job {
	t.Helper()
	for _, o := range out.Objects {
		if j, ok := o.(*batchv1.Job); ok && strings.HasPrefix(j.Name, "rabbitmq-def-") {
			return j
		}
	}
	t.Fatal("no definitions Job rabbitmq-def-*")
	return nil
}

func initContainer(t *testing.T, sts *appsv1.StatefulSet, name string) corev1.Container {
	t.Helper()
	for _, c := range sts.Spec.Template.Spec.InitContainers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no init container %s", name)
	return corev1.Container{}
}

type definitionsDoc struct {
	Vhosts   []map[string]any
	Queues   []map[string]any
	Bindings []map[string]any
	Policies []map[string]any
}

func definitionsKey(t *testing.T, out render.Output, key string) definitionsDoc {
	t.Helper()
	var f definitionsDoc
	text := find[*corev1.ConfigMap](out.Objects, "rabbitmq-config").Data[key]
	if err := json.Unmarshal([]byte(text), &f); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", key, err, text)
	}
	return f
}

// The typed file is what RabbitMQ's import reads: "/" declared (a blank node importing
// definitions creates no default vhost), the type as x-queue-type, every arguments key
// present (3.8's import reads it with maps:get/2). The boot part has no queues and no
// bindings to queues: declared on a new cluster's first node, alone, a quorum queue or
// stream would keep one replica.
func TestDefinitionsFile(t *testing.T) {
	spec := strings.Replace(definitionsSpec, "    exchanges: [{name: events, vhost: orders, type: topic}]\n",
		"    exchanges: [{name: events, vhost: orders, type: topic}, {name: all, vhost: orders, type: fanout}]\n", 1)
	spec = strings.Replace(spec, `routingKey: "order.#"}]`, `routingKey: "order.#"}, {vhost: orders, source: events, destination: all, destinationType: exchange}]`, 1)
	out := renderSpec(t, spec)
	wantConf(t, confValues(t, out), map[string]string{"load_definitions": "/etc/rabbitmq/definitions"})
	wantConf(t, confValues(t, renderSpec(t, "  image: rabbitmq:4.3.6-management\n")), map[string]string{"load_definitions": ""})
	f := definitionsKey(t, out, "definitions.json")
	if len(f.Vhosts) != 2 || f.Vhosts[0]["name"] != "/" || f.Vhosts[1]["name"] != "orders" {
		t.Errorf("vhosts %v, want / and orders", f.Vhosts)
	}
	if args, _ := f.Queues[1]["arguments"].(map[string]any); args["x-queue-type"] != "stream" || f.Queues[1]["durable"] != true {
		t.Errorf("stream queue %v: want durable and x-queue-type stream", f.Queues[1])
	}
	if _, ok := f.Bindings[0]["arguments"].(map[string]any); !ok || f.Bindings[0]["destination_type"] != "queue" || len(f.Bindings) != 2 {
		t.Errorf("bindings %v: want 2, the first with destination_type queue and arguments {}", f.Bindings)
	}
	if p := f.Policies[0]; p["apply-to"] != "all" || p["priority"] != 0.0 || p["pattern"] != "^created$" {
		t.Errorf("policy %v: want apply-to all, priority 0", p)
	}
	boot := definitionsKey(t, out, "boot-definitions.json")
	if len(boot.Queues) != 0 || len(boot.Bindings) != 1 || boot.Bindings[0]["destination"] != "all" || len(boot.Policies) != 1 || len(boot.Vhosts) != 2 {
		t.Errorf("boot file: want the vhosts, the policy, the exchange binding and no queue: %+v", boot)
	}
}

// Every node imports the files of the definitions init container at boot; the Secret's
// password reaches that container only as a file, and the broker reads the directory only.
func TestDefinitionsPod(t *testing.T) {
	sts, broker := rabbitmqPod(t, renderSpec(t, definitionsSpec))
	init := initContainer(t, sts, "definitions")
	if init.Command[0] != "erl" || !strings.Contains(init.Command[4], `Read("/tmp/default-user-secret/password")`) {
		t.Errorf("the init container does not hash the password file with erl: %v", init.Command)
	}
	for _, e := range init.Env {
		if e.ValueFrom != nil {
			t.Errorf("init container env %s comes from an object: secrets only as files", e.Name)
		}
	}
	mounted := map[string]corev1.VolumeMount{}
	for _, m := range init.VolumeMounts {
		mounted[m.MountPath] = m
	}
	if m, ok := mounted["/tmp/default-user-secret"]; !ok || !m.ReadOnly {
		t.Errorf("the default user's Secret is not mounted read-only in the init container: %v", init.VolumeMounts)
	}
	for _, m := range broker.VolumeMounts {
		if m.MountPath == "/etc/rabbitmq/definitions" && !m.ReadOnly {
			t.Error("the broker may write the definitions directory")
		}
	}
}

// A change of the definitions alone, or of the user's ConfigMap, is imported by a new Job,
// restarting no pod. The Job waits for every node, then imports through node 0.
func TestDefinitionsChangeMakesANewJobNotARestart(t *testing.T) {
	before := renderSpec(t, definitionsSpec)
	after := renderSpec(t, strings.Replace(definitionsSpec, "max-length: 1000", "max-length: 2000", 1))
	withCM := renderSpec(t, definitionsSpec+"    configMapName: mine\n")
	checksum := func(o render.Output) string {
		sts, _ := rabbitmqPod(t, o)
		return sts.Spec.Template.Annotations[render.ConfigChecksumAnnotation]
	}
	if checksum(before) != checksum(after) || checksum(before) != checksum(withCM) {
		t.Error("a policy change or a configMapName restarts the pods: the Job imports them")
	}
	if definitionsJob(t, before).Name == definitionsJob(t, after).Name {
		t.Errorf("a policy change keeps the Job %s: Kubernetes would not run it again", definitionsJob(t, before).Name)
	}
	job := definitionsJob(t, withCM)
	script := job.Spec.Template.Spec.Containers[0].Command[2]
	for _, want := range []string{`n=$(cat /etc/rabbitmq-cluster-size/replicas)`, `await_online_nodes "$n"`, `node="rabbit@rabbitmq-0.$NODE_SUFFIX"`,
		"for f in /etc/rabbitmq-krm/definitions/definitions.json /etc/rabbitmq-krm/user-definitions/definitions.json;", `import_definitions "$f"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the Job's script lacks %s: it must wait for every node, then import the typed file, then the user's, through node 0:\n%s", want, script)
		}
	}
	if job.Annotations["argocd.argoproj.io/hook"] != "PostSync" || job.Spec.Template.Labels["app.kubernetes.io/name"] == "rabbitmq" {
		t.Errorf("the Job is no PostSync hook, or its pods look like brokers: %v %v", job.Annotations, job.Spec.Template.Labels)
	}
	var userCM string
	for _, v := range job.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && v.Name == "user-definitions" {
			userCM = v.ConfigMap.Name
		}
	}
	if userCM != "mine" {
		t.Errorf("the Job does not mount the user's ConfigMap mine (got %q)", userCM)
	}
}

// The init container's Erlang, run where Erlang is installed, with the Secret's bytes of
// test/cluster's awkward users: the file holds the user and a rabbit_password_hashing_sha256
// hash of exactly the password's bytes (trailing newlines dropped), never the password.
func TestDefinitionsDefaultUserHash(t *testing.T) {
	if _, err := exec.LookPath("erl"); err != nil {
		t.Skip("erl is not installed: the real node suite runs this script (test/cluster definitions_test.go)")
	}
	sts, _ := rabbitmqPod(t, renderSpec(t, definitionsSpec))
	root := t.TempDir()
	script := regexp.MustCompile(`"/(etc|tmp)/`).ReplaceAllString(initContainer(t, sts, "definitions").Command[4], `"`+root+`/$1/`)
	for _, d := range []string{"etc/rabbitmq/definitions", "etc/rabbitmq-krm/definitions", "tmp/default-user-secret"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string, b []byte) {
		if err := os.WriteFile(filepath.Join(root, path), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/rabbitmq-krm/definitions/boot-definitions.json", []byte("{}"))
	for _, c := range []struct{ user, password string }{
		{`adm"\in#ops`, "  Tr0ub4dor#3 $HOME ${x} $(ss) `id` \"\\\" '%s' ~p~n %d\n\"/utf8>>}]}]. <<\"x\">> ;&<>!  "},
		{"ädmin-пользователь\n", "pässwörd\"\\ пароль 密码 🐇 \xff\xfe-latin1-\xe4\n\n"},
	} {
		write("tmp/default-user-secret/username", []byte(c.user))
		write("tmp/default-user-secret/password", []byte(c.password))
		cmd := exec.Command("erl", "-noshell", "-noinput", "-eval", script)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "ERL_CRASH_DUMP_SECONDS=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the init container's script failed: %v\n%s", err, b)
		}
		checkDefaultUserFile(t, filepath.Join(root, "etc/rabbitmq/definitions"), strings.TrimRight(c.user, "\n"), strings.TrimRight(c.password, "\n"))
	}
}

func checkDefaultUserFile(t *testing.T, dir, user, password string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "10-definitions.json")); err != nil {
		t.Errorf("the typed file was not copied: %v", err)
	}
	path := filepath.Join(dir, "30-default-user.json")
	b, err := os.ReadFile(path)
	if info, _ := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("no 0600 default user file: %v", err)
	}
	var f struct {
		Users []struct {
			Name             string
			PasswordHash     string `json:"password_hash"`
			HashingAlgorithm string `json:"hashing_algorithm"`
			Tags             string
		}
		Permissions []struct{ User, Vhost, Configure string }
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	u := f.Users[0]
	hash, _ := base64.StdEncoding.DecodeString(u.PasswordHash)
	sum := sha256.Sum256(append(append([]byte{}, hash[:min(4, len(hash))]...), password...))
	if u.Name != user || len(hash) != 36 || !bytes.Equal(hash[4:], sum[:]) || u.HashingAlgorithm != "rabbit_password_hashing_sha256" || u.Tags != "administrator" {
		t.Errorf("user %q (want %q), hash of another password, or wrong algorithm/tags: %s", u.Name, user, b)
	}
	if bytes.Contains(b, []byte(password)) || len(f.Permissions) != 2 || f.Permissions[1].Vhost != "orders" || f.Permissions[0].User != user {
		t.Errorf("the file holds the password, or not the permissions on / and orders: %s", b)
	}
}

// The Job's script with stand-ins for the CLI: node 0 sees all 3 nodes only after two tries;
// no import may happen before, and then the typed file and the user's are imported, in
// that order, through node 0.
func TestDefinitionsJobWaitsForEveryNode(t *testing.T) {
	job := definitionsJob(t, renderSpec(t, "  replicas: 3\n"+definitionsSpec+"    configMapName: mine\n"))
	dir, bin, stub := jobStubs(t)
	stub("sleep", "exit 0\n")
	stub("rabbitmqctl", `case "$*" in
*"await_online_nodes 3 "*) echo x >> $S/tries; [ "$(wc -l < $S/tries)" -ge 3 ] ;;
*import_definitions*) echo "$3 $5 after $(cat $S/tries 2>/dev/null | wc -l) tries" >> $S/imported ;;
*) exit 1 ;;
esac`+"\n")
	c := job.Spec.Template.Spec.Containers[0]
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + dir, "NODE_SUFFIX=rabbitmq-nodes.mq.svc.cluster.local"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the Job's script failed: %v\n%s", err, out)
	}
	imported, _ := os.ReadFile(filepath.Join(dir, "imported"))
	node := "rabbit@rabbitmq-0.rabbitmq-nodes.mq.svc.cluster.local"
	want := node + " /etc/rabbitmq-krm/definitions/definitions.json after 3 tries\n" + node + " /etc/rabbitmq-krm/user-definitions/definitions.json after 3 tries\n"
	if string(imported) != want || !strings.Contains(string(out), "waiting until "+node+" sees 3 running nodes") {
		t.Errorf("imports (node, file) %q, want %q; script output:\n%s", imported, want, out)
	}
}

// With spec.networkPolicy, the definitions Job's CLI may reach the nodes too.
func TestDefinitionsJobPassesTheNetworkPolicy(t *testing.T) {
	out := renderSpec(t, "  networkPolicy: {}\n"+definitionsSpec)
	cliReachesNodes(t, out, definitionsJob(t, out).Spec.Template.Labels)
}
