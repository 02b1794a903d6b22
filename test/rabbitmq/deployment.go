//go:build e2e

package rabbitmq

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// harness: run-wide state (one per `go test`): work dir, our private epmd, the compiled epmd module, every PID
// we started (stopped by PID at the end, never by name), timings and restart counters for the summary.
type harness struct {
	work      string
	ebin      string
	epmdPort  int
	distBase  int
	krmBin    string
	manifests string // "" = render with krmBin; "testdata" = hand-written manifests
	rmqHome   string // /usr/lib/rabbitmq/lib/rabbitmq_server-<v>
	rmqVer    string
	cliMu     sync.Mutex

	mu       sync.Mutex
	pids     map[int]string
	timings  []timing
	restarts []string
}

type timing struct {
	name string
	d    time.Duration
	note string
}

func (h *harness) track(pid int, what string) {
	h.mu.Lock()
	h.pids[pid] = what
	h.mu.Unlock()
	h.writePids()
}

func (h *harness) untrack(pid int) {
	h.mu.Lock()
	delete(h.pids, pid)
	h.mu.Unlock()
}

func (h *harness) record(name string, d time.Duration, note string) {
	h.mu.Lock()
	h.timings = append(h.timings, timing{name, d, note})
	h.mu.Unlock()
}

// stopAll stops every process we started and that is still alive, by PID: SIGTERM, then SIGKILL after 60 s.
func (h *harness) stopAll() {
	h.mu.Lock()
	pids := map[int]string{}
	for p, w := range h.pids {
		pids[p] = w
	}
	h.mu.Unlock()
	for p := range pids {
		_ = syscall.Kill(p, syscall.SIGTERM)
	}
	deadline := time.Now().Add(60 * time.Second)
	for p, w := range pids {
		for syscall.Kill(p, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if syscall.Kill(p, 0) == nil {
			fmt.Fprintf(os.Stderr, "cleanup: SIGKILL %d (%s)\n", p, w)
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// startDaemon starts a helper process (epmd, etcd) with exactly the given env and tracks its PID.
func (h *harness) startDaemon(what, logFile string, env []string, argv ...string) (*exec.Cmd, error) {
	lf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	h.track(cmd.Process.Pid, what)
	go func() { _ = cmd.Wait(); lf.Close(); h.untrack(cmd.Process.Pid) }()
	return cmd, nil
}

func stopDaemon(h *harness, cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		_ = cmd.Process.Kill()
	}
}

func baseEnv() []string {
	return []string{"PATH=" + rmqBin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=/nonexistent"}
}

func portFree(hostport string) error {
	l, err := net.Listen("tcp", hostport)
	if err != nil {
		return err
	}
	return l.Close()
}

// ---------------------------------------------------------------- deployment: one rendered manifest set, "applied"

type deployment struct {
	h          *harness
	t          testing.TB
	name       string
	dir        string
	m          *manifests
	sts        *appsv1.StatefulSet
	namespace  string // of the StatefulSet ("" = the object has none; pods then live in "default")
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	ipBase     int
	slots      map[string]int
	fqdn       map[string]string // pod name -> host part of its RABBITMQ_NODENAME
	cliHost    string
	inetrc     string
	pods       map[string]*pod
	cookie     string
	pki        *testPKI // the test CA and this deployment's server certificate (TLS Secrets), made on demand

	mu          sync.Mutex
	lastConf    string // the config of the most recently prepared pod (as its init containers wrote it)
	lastPlugins string
}

func (d *deployment) logf(format string, a ...any) {
	d.t.Helper()
	d.t.Logf("[%s %s] %s", time.Now().Format("15:04:05"), d.name, fmt.Sprintf(format, a...))
}

func (d *deployment) appendLog(name, text string) {
	f, err := os.OpenFile(filepath.Join(d.dir, "logs", name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		_, _ = f.WriteString(text)
		f.Close()
	}
}

func (d *deployment) podIP(slot int) string { return fmt.Sprintf("127.0.0.%d", d.ipBase+slot) }

func (d *deployment) podNamespace() string {
	if d.namespace == "" {
		return "default"
	}
	return d.namespace
}

func (d *deployment) replicas() int {
	if d.sts.Spec.Replicas == nil {
		return 1
	}
	return int(*d.sts.Spec.Replicas)
}

func (d *deployment) ordinalNames() []string {
	var out []string
	for i := 0; i < d.replicas(); i++ {
		out = append(out, fmt.Sprintf("%s-%d", d.sts.Name, i))
	}
	return out
}

// newDeployment decodes the manifests, adds the test Secret(s) the user would provide, and plans the pods
// (ordinals plus extraPods, e.g. a renamed pod) so that their DNS names can be written to ERL_INETRC.
func newDeployment(t testing.TB, h *harness, name string, rendered []byte, ipBase int, extraPods ...string) (*deployment, error) {
	d := &deployment{h: h, t: t, name: name, dir: filepath.Join(h.work, name), ipBase: ipBase,
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}, slots: map[string]int{}, fqdn: map[string]string{}, pods: map[string]*pod{}}
	if err := os.RemoveAll(d.dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"logs", "volumes", "pods"} {
		if err := os.MkdirAll(filepath.Join(d.dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(d.dir, "rendered.yaml"), rendered, 0o644); err != nil {
		return nil, err
	}
	m, err := parseManifests(rendered)
	if err != nil {
		return nil, err
	}
	d.m = m
	stss, err := decodeKind[appsv1.StatefulSet](m, "StatefulSet")
	if err != nil {
		return nil, err
	}
	if len(stss) != 1 {
		return nil, fmt.Errorf("want exactly one StatefulSet in the rendered output, got %d", len(stss))
	}
	d.sts = stss[0]
	d.namespace = d.sts.Namespace
	cms, err := decodeKind[corev1.ConfigMap](m, "ConfigMap")
	if err != nil {
		return nil, err
	}
	for _, cm := range cms {
		d.configMaps[cm.Name] = cm
	}
	if err := d.addSecrets(m); err != nil {
		return nil, err
	}
	if err := d.supplyTestSecrets(); err != nil {
		return nil, err
	}
	for i, n := range append(d.ordinalNames(), extraPods...) {
		d.slots[n] = i
	}
	// The node name each pod will use (from its env, after $(VAR) expansion) gives the DNS names to resolve.
	for n, slot := range d.slots {
		p := &pod{d: d, name: n, slot: slot, ip: d.podIP(slot), uid: "planned"}
		env, err := p.containerEnv(d.mainContainer())
		if err != nil {
			return nil, err
		}
		node := env["RABBITMQ_NODENAME"]
		at := strings.IndexByte(node, '@')
		if at < 0 || !strings.Contains(node[at+1:], ".") {
			return nil, fmt.Errorf("pod %s: RABBITMQ_NODENAME=%q is not a long name rabbit@<fqdn>", n, node)
		}
		d.fqdn[n] = node[at+1:]
	}
	first := d.fqdn[d.ordinalNames()[0]]
	d.cliHost = "e2e-cli" + first[strings.IndexByte(first, '.'):]
	var b strings.Builder
	names := make([]string, 0, len(d.slots))
	for n := range d.slots {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return d.slots[names[i]] < d.slots[names[j]] })
	for _, n := range names {
		fmt.Fprintf(&b, "{host, {%s}, [\"%s\"]}.\n", strings.ReplaceAll(d.podIP(d.slots[n]), ".", ","), d.fqdn[n])
	}
	// CLI tools name themselves rabbitmqcli-<pid>-rabbit@<host of RABBITMQ_NODENAME>; nodes stream list_* results
	// back to that host, so it must resolve to 127.0.0.1 where our epmd runs (REPORT G5).
	fmt.Fprintf(&b, "{host, {127,0,0,1}, [\"localhost\", \"%s\"]}.\n{lookup, [file, native]}.\n", d.cliHost)
	d.inetrc = filepath.Join(d.dir, "inetrc")
	if err := os.WriteFile(d.inetrc, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return d, nil
}

// testUser / testPassword: the credentials of every Secret with keys username/password the test supplies
// (spec.defaultUser). The password has characters a shell or printf would mangle if they were ever interpreted,
// and a distinctive token to search for in process arguments and environments.
const (
	testUser          = "admin"
	testPasswordToken = "e2eSekr3tT0ken"
	testPassword      = testPasswordToken + ` p@ss $HOME ${x} ` + "`id`" + ` '"\ %s;&|<>!`
)

// supplyTestSecrets writes the Secrets a user provides for every secret the pod template references but the
// rendered output does not contain, by the keys the pod reads: username/password (spec.defaultUser) -> admin and
// testPassword; tls.crt/tls.key (spec.tls) -> a server certificate of the test CA for this deployment's pod
// addresses and DNS names; ca.crt -> the test CA; anything else -> the Erlang cookie (random). They go to
// test-secret.yaml in the case dir, then are decoded like the rest.
func (d *deployment) supplyTestSecrets() error {
	want := map[string][]string{}
	spec := &d.sts.Spec.Template.Spec
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			var keys []string
			for _, it := range v.Secret.Items {
				keys = append(keys, it.Key)
			}
			if len(keys) == 0 {
				keys = []string{".erlang.cookie"}
			}
			want[v.Secret.SecretName] = append(want[v.Secret.SecretName], keys...)
		}
	}
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				want[e.ValueFrom.SecretKeyRef.Name] = append(want[e.ValueFrom.SecretKeyRef.Name], e.ValueFrom.SecretKeyRef.Key)
			}
		}
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs []string
	for _, name := range names {
		keys := want[name]
		if _, ok := d.secrets[name]; ok {
			continue
		}
		has := func(k string) bool { return contains(keys, k) }
		typ, data := "Opaque", map[string][]byte{}
		switch {
		case has("username") || has("password"):
			typ = "kubernetes.io/basic-auth"
			data["username"], data["password"] = []byte(testUser), []byte(testPassword)
		case has("tls.crt") || has("tls.key"):
			pki, err := d.testPKI()
			if err != nil {
				return err
			}
			typ = "kubernetes.io/tls"
			data["tls.crt"], data["tls.key"], data["ca.crt"] = pki.serverCert, pki.serverKey, pki.caCert
		case has("ca.crt"):
			pki, err := d.testPKI()
			if err != nil {
				return err
			}
			data["ca.crt"] = pki.caCert
		default:
			if d.cookie == "" {
				d.cookie = "e2e" + randomHex(16) // an Erlang cookie: [A-Za-z0-9]
			}
			for _, k := range keys {
				data[k] = []byte(d.cookie)
			}
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n", name)
		if d.namespace != "" {
			fmt.Fprintf(&sb, "  namespace: %s\n", d.namespace)
		}
		fmt.Fprintf(&sb, "type: %s\ndata:\n", typ)
		dk := make([]string, 0, len(data))
		for k := range data {
			dk = append(dk, k)
		}
		sort.Strings(dk)
		for _, k := range dk {
			fmt.Fprintf(&sb, "  %q: %s\n", k, base64.StdEncoding.EncodeToString(data[k]))
		}
		docs = append(docs, sb.String())
	}
	if len(docs) == 0 {
		return nil
	}
	y := "# test-supplied (the renderer does not emit these Secrets; users create them)\n" + strings.Join(docs, "---\n")
	if err := os.WriteFile(filepath.Join(d.dir, "test-secret.yaml"), []byte(y), 0o600); err != nil {
		return err
	}
	extra, err := parseManifests([]byte(y))
	if err != nil {
		return err
	}
	d.m.objects = append(d.m.objects, extra.objects...)
	return d.addSecrets(extra)
}

// setSecretData replaces the data of a Secret (as if the user had edited it before the pods exist) and records it
// in secret-<name>.yaml in the case dir.
func (d *deployment) setSecretData(name string, data map[string][]byte) error {
	s, ok := d.secrets[name]
	if !ok {
		return fmt.Errorf("no Secret %q", name)
	}
	s.Data, s.StringData = data, nil
	y, err := yaml.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d.dir, "secret-"+name+".yaml"), y, 0o600)
}

// addSecrets decodes the Secrets of m into d.secrets.
func (d *deployment) addSecrets(m *manifests) error {
	ss, err := decodeKind[corev1.Secret](m, "Secret")
	if err != nil {
		return err
	}
	for _, s := range ss {
		d.secrets[s.Name] = s
	}
	return nil
}

// renderedConf returns the config RabbitMQ reads (conf.d etc. and enabled_plugins) as the init containers produce
// it: that of the most recently prepared pod, else a preview (previewConf).
func (d *deployment) renderedConf() (conf, plugins string, err error) {
	d.mu.Lock()
	conf, plugins = d.lastConf, d.lastPlugins
	d.mu.Unlock()
	if conf != "" {
		return conf, plugins, nil
	}
	_, conf, plugins, err = d.previewConf()
	return conf, plugins, err
}

// previewConf runs, for a scratch copy of pod 0 (<case>/preview), only the init containers that write the
// main container's config (those mounting the volume behind its conf.d, main config file or enabled_plugins), and
// reads the result. Nothing is started; the ConfigMap/Secrets are taken as they are now in d (a test may mutate
// them first).
func (d *deployment) previewConf() (*pod, string, string, error) {
	dir := filepath.Join(d.dir, "preview")
	if err := os.RemoveAll(dir); err != nil {
		return nil, "", "", err
	}
	p, err := d.newPodIn(d.ordinalNames()[0], dir)
	if err != nil {
		return nil, "", "", err
	}
	mainFile, confDir, pluginsFile := p.configPaths()
	confVolumes := map[string]bool{}
	main := d.mainContainer()
	for _, cpath := range []string{mainFile, confDir, pluginsFile} {
		best, vol := "", ""
		for _, vm := range main.VolumeMounts {
			mp := filepath.Clean(vm.MountPath)
			if (cpath == mp || strings.HasPrefix(cpath, mp+"/")) && len(mp) > len(best) {
				best, vol = mp, vm.Name
			}
		}
		if vol != "" {
			confVolumes[vol] = true
		}
	}
	writesConf := func(c *corev1.Container) bool {
		for _, vm := range c.VolumeMounts {
			if confVolumes[vm.Name] && !vm.ReadOnly {
				return true
			}
		}
		return false
	}
	if err := p.runInitContainersIf(writesConf); err != nil {
		return nil, "", "", err
	}
	conf, plugins, err := p.renderedConf()
	return p, conf, plugins, err
}

// confKeys parses rabbitmq.conf (sysctl format) into key -> value (last one wins, as in cuttlefish).
func confKeys(conf string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(conf, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

func (d *deployment) amqpPort() int {
	conf, _, _ := d.renderedConf()
	v := confKeys(conf)["listeners.tcp.default"]
	if i := strings.LastIndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	return 5672
}

// amqpURL: plain AMQP to the pod as the default user of the config (default_user/default_pass as conf.d has
// them, else guest, which RabbitMQ accepts over loopback).
func (d *deployment) amqpURL(podName string) string {
	user, pass := d.credentials()
	u := url.URL{Scheme: "amqp", User: url.UserPassword(user, pass), Host: net.JoinHostPort(d.podIP(d.slots[podName]), strconv.Itoa(d.amqpPort())), Path: "/"}
	return u.String()
}

// credentials: the default user's Secret as the test supplied it (spec.defaultUser: the pod mounts a Secret with
// keys username and password), else guest/guest. Taken from the Secret, not from conf.d, so that a mangled copy
// in conf.d shows up as a failed login.
func (d *deployment) credentials() (user, pass string) {
	for _, v := range d.sts.Spec.Template.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		var keys []string
		for _, it := range v.Secret.Items {
			keys = append(keys, it.Key)
		}
		if contains(keys, "username") && contains(keys, "password") {
			if s, ok := d.secrets[v.Secret.SecretName]; ok {
				vals := secretValues(s)
				return string(vals["username"]), string(vals["password"])
			}
		}
	}
	return "guest", "guest"
}

func (d *deployment) nodeName(podName string) string { return "rabbit@" + d.fqdn[podName] }

// ---------------------------------------------------------------- pod lifecycle (StatefulSet controller + kubelet)

const maxRestarts = 3 // per pod and wait: a kubelet would keep going (CrashLoopBackOff); we report every restart

// createPods creates new pod objects (fresh emptyDirs, init containers run) and starts them: all at once for
// podManagementPolicy Parallel, one after the other (each Ready first) for OrderedReady.
func (d *deployment) createPods(names ...string) error {
	parallel := d.sts.Spec.PodManagementPolicy == appsv1.ParallelPodManagement
	var created []*pod
	for _, n := range names {
		p, err := d.newPod(n)
		if err != nil {
			return err
		}
		if err := p.runInitContainers(); err != nil {
			return err
		}
		if err := d.checkCookie(p); err != nil {
			return err
		}
		if err := p.prepareMain(); err != nil {
			return err
		}
		d.pods[n] = p
		if !parallel {
			if err := p.startContainer(); err != nil {
				return err
			}
			if err := d.waitReady(p); err != nil {
				return err
			}
			continue
		}
		created = append(created, p)
	}
	for _, p := range created {
		if err := p.startContainer(); err != nil {
			return err
		}
	}
	return d.waitReady(created...)
}

// checkCookie verifies the init container's effect: $HOME/.erlang.cookie equals the Secret and is 0600 (or 0400).
func (d *deployment) checkCookie(p *pod) error {
	home := p.processEnv(p.mounts, p.env)["HOME"] // the container's $HOME, mapped to its local dir
	f := filepath.Join(home, ".erlang.cookie")
	st, err := os.Stat(f)
	if err != nil {
		return fmt.Errorf("pod %s: after the init containers there is no cookie at $HOME/.erlang.cookie: %v", p.name, err)
	}
	if m := st.Mode().Perm(); m != 0o600 && m != 0o400 {
		return fmt.Errorf("pod %s: $HOME/.erlang.cookie has mode %o, Erlang wants 0600/0400", p.name, m)
	}
	b, _ := os.ReadFile(f)
	if d.cookie != "" && strings.TrimSpace(string(b)) != d.cookie {
		return fmt.Errorf("pod %s: $HOME/.erlang.cookie differs from the Secret", p.name)
	}
	for _, kv := range p.procEnv {
		if strings.Contains(kv, d.cookie) && d.cookie != "" {
			return fmt.Errorf("pod %s: the cookie is visible in the environment (%s)", p.name, strings.SplitN(kv, "=", 2)[0])
		}
	}
	return nil
}

// waitReady waits until every pod booted and passes its readiness probe; crashed containers are restarted like
// the kubelet does (restartPolicy Always), at most maxRestarts times each (RabbitMQ 3.10.8 boot race, REPORT G8).
func (d *deployment) waitReady(ps ...*pod) error {
	deadline := time.Now().Add(6 * time.Minute)
	pending := map[*pod]int{}
	for _, p := range ps {
		pending[p] = 0
	}
	for len(pending) > 0 {
		for p := range pending {
			switch p.waitStarted(time.Now()) {
			case bootOK:
				rp := d.mainContainer().ReadinessProbe
				if err := p.probe(rp); err != nil {
					if time.Now().After(deadline) {
						return fmt.Errorf("pod %s: readiness probe still failing: %v", p.name, err)
					}
					continue
				}
				d.logf("pod %s: Ready (container start #%d)", p.name, p.starts)
				delete(pending, p)
			case bootCrashed:
				reason := p.crashReason()
				if pending[p] >= maxRestarts {
					return fmt.Errorf("pod %s crashed during boot %d times (exit %d); last reason:\n%s\nlog: %s%s", p.name, pending[p]+1, p.exitCode, reason, p.logPath, hint(reason))
				}
				pending[p]++
				p.restarts++
				msg := fmt.Sprintf("%s/%s: container crashed during boot (exit %d), restarted like the kubelet (restart %d): %s",
					d.name, p.name, p.exitCode, pending[p], firstLine(lastErrorLine(reason)))
				d.h.mu.Lock()
				d.h.restarts = append(d.h.restarts, msg)
				d.h.mu.Unlock()
				d.logf("%s\n%s", msg, reason)
				if err := p.startContainer(); err != nil {
					return err
				}
			}
		}
		if len(pending) > 0 {
			if time.Now().After(deadline) {
				var names []string
				for p := range pending {
					names = append(names, p.name)
				}
				return fmt.Errorf("timeout waiting for pods %v to become Ready", names)
			}
			time.Sleep(time.Second)
		}
	}
	return nil
}

// hint explains crash reasons seen with rendered manifests.
func hint(reason string) string {
	switch {
	case strings.Contains(reason, "cannot_log_to_file") && strings.Contains(reason, "_upgrade.log"):
		return "\nHINT: RabbitMQ 3.x writes <RABBITMQ_LOG_BASE>/<node>_upgrade.log even with RABBITMQ_LOGS=- (the image's default);" +
			" with readOnlyRootFilesystem, /var/log/rabbitmq is read-only. Mount an emptyDir at /var/log/rabbitmq, or set" +
			" RABBITMQ_UPGRADE_LOG=- in the container env."
	case strings.Contains(reason, "eacces") || strings.Contains(reason, "erofs"):
		return "\nHINT: RabbitMQ could not write a path: check volumes vs readOnlyRootFilesystem / runAsUser."
	case strings.Contains(reason, "You've tried to set"):
		return "\nHINT: rabbitmq.conf has a key this RabbitMQ version does not know."
	}
	return ""
}

func lastErrorLine(reason string) string {
	ls := strings.Split(strings.TrimSpace(reason), "\n")
	for i := len(ls) - 1; i >= 0; i-- {
		if strings.Contains(ls[i], "BOOT FAILED") || strings.TrimSpace(ls[i]) == "" {
			continue
		}
		return strings.TrimSpace(ls[i])
	}
	return ""
}

// deletePods is `kubectl delete sts` / pod deletion: all pods terminate at the same time (preStop, SIGTERM).
func (d *deployment) deletePods(names ...string) {
	var wg sync.WaitGroup
	for _, n := range names {
		if p := d.pods[n]; p != nil {
			wg.Add(1)
			go func() { defer wg.Done(); p.stop(true) }()
		}
	}
	wg.Wait()
	for _, n := range names {
		delete(d.pods, n)
	}
}

func (d *deployment) teardown() {
	var names []string
	for n := range d.pods {
		names = append(names, n)
	}
	d.deletePods(names...)
}

// ---------------------------------------------------------------- CLI (rabbitmqctl) from outside the pods

func (d *deployment) ctl(timeout time.Duration, args ...string) (string, error) {
	home := filepath.Join(d.dir, "cli-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", err
	}
	ck := filepath.Join(home, ".erlang.cookie")
	if _, err := os.Stat(ck); err != nil {
		if err := os.WriteFile(ck, []byte(d.cookie), 0o400); err != nil {
			return "", err
		}
	}
	empty := filepath.Join(d.dir, "cli-empty-env.conf")
	_ = os.WriteFile(empty, nil, 0o644)
	env := append(baseEnv()[:3], "HOME="+home, "RABBITMQ_CONF_ENV_FILE="+empty, "RABBITMQ_USE_LONGNAME=true",
		"RABBITMQ_NODENAME=rabbit@"+d.cliHost, "ERL_INETRC="+d.inetrc, "ERL_EPMD_PORT="+strconv.Itoa(d.h.epmdPort))
	d.h.cliMu.Lock()
	defer d.h.cliMu.Unlock()
	cmd := exec.Command(filepath.Join(rmqBin, "rabbitmqctl"), args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("rabbitmqctl %v: %v: %s", args, err, strings.TrimSpace(out.String()))
		}
		return out.String(), nil
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("rabbitmqctl %v: timeout after %v", args, timeout)
	}
}

type clusterStatus struct {
	Nodes        []string
	RunningNodes []string
	Partitions   string
	Raw          map[string]any
}

func (d *deployment) clusterStatus(via string) (*clusterStatus, error) {
	out, err := d.ctl(90*time.Second, "-q", "-n", d.nodeName(via), "cluster_status", "--formatter", "json")
	if err != nil {
		return nil, err
	}
	i := strings.IndexByte(out, '{')
	if i < 0 {
		return nil, fmt.Errorf("cluster_status: no JSON in %q", out)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out[i:]), &raw); err != nil {
		return nil, fmt.Errorf("cluster_status JSON: %v: %s", err, out)
	}
	strs := func(k string) []string {
		var s []string
		if l, ok := raw[k].([]any); ok {
			for _, x := range l {
				s = append(s, fmt.Sprint(x))
			}
		}
		sort.Strings(s)
		return s
	}
	cs := &clusterStatus{Raw: raw, RunningNodes: strs("running_nodes")}
	if _, ok := raw["nodes"]; ok {
		cs.Nodes = strs("nodes")
	} else { // 3.10: disk_nodes + ram_nodes
		cs.Nodes = append(strs("disk_nodes"), strs("ram_nodes")...)
		sort.Strings(cs.Nodes)
	}
	pb, _ := json.Marshal(raw["partitions"])
	cs.Partitions = string(pb)
	return cs, nil
}

func partitionsEmpty(s string) bool {
	return s == "{}" || s == "[]" || s == "null" || s == `""`
}

// ---------------------------------------------------------------- etcd (Debian's etcd-server), private port

func startEtcd(h *harness, dir, endpoint string) (*exec.Cmd, error) {
	host, portS, err := net.SplitHostPort(endpoint)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(portS)
	if host != "127.0.0.1" {
		return nil, fmt.Errorf("etcd endpoint %s: the harness only runs servers on 127.0.0.1", endpoint)
	}
	for _, hp := range []string{endpoint, fmt.Sprintf("127.0.0.1:%d", port+1)} {
		if err := portFree(hp); err != nil {
			return nil, fmt.Errorf("etcd port %s busy: %v", hp, err)
		}
	}
	client := "http://" + endpoint
	peer := fmt.Sprintf("http://127.0.0.1:%d", port+1)
	// A clean env: nothing of ours (no ETCD_* variables) reaches etcd; everything is a flag.
	cmd, err := h.startDaemon("etcd "+endpoint, filepath.Join(dir, "logs", "etcd.log"), baseEnv(),
		"etcd", "--name", "e2e", "--data-dir", filepath.Join(dir, "etcd-data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "e2e="+peer, "--initial-cluster-state", "new")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(client + "/health")
		if err == nil {
			var hr struct{ Health string }
			_ = json.NewDecoder(resp.Body).Decode(&hr)
			resp.Body.Close()
			if hr.Health == "true" {
				return cmd, nil
			}
		}
		if time.Now().After(deadline) {
			stopDaemon(h, cmd)
			return nil, fmt.Errorf("etcd on %s not healthy after 30s (see %s)", endpoint, filepath.Join(dir, "logs", "etcd.log"))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// etcdKeys lists every key through etcd's v3 JSON gateway (no etcdctl needed).
func etcdKeys(endpoint string) ([]string, error) {
	body := `{"key":"AA==","range_end":"AA==","keys_only":true}`
	resp, err := http.Post("http://"+endpoint+"/v3/kv/range", "application/json", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Kvs []struct {
			Key string `json:"key"`
		} `json:"kvs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	var keys []string
	for _, kv := range r.Kvs {
		b, _ := base64.StdEncoding.DecodeString(kv.Key)
		keys = append(keys, string(b))
	}
	return keys, nil
}

// etcdEndpoints returns cluster_formation.etcd.endpoints.N of the rendered config.
func etcdEndpoints(conf string) []string {
	var eps []string
	re := regexp.MustCompile(`^cluster_formation\.etcd\.endpoints\.\d+$`)
	for k, v := range confKeys(conf) {
		if re.MatchString(k) {
			eps = append(eps, v)
		}
	}
	sort.Strings(eps)
	return eps
}
