//go:build e2e

package cluster

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFeatures: spec.communityPlugins (the rendered init container downloads a plugin from a server on the
// node's bridge address and checks its sha256) and spec.defaultUser with awkward usernames and passwords,
// on 4.0 and 4.3. Each case is its own one-node deployment; they run side by side (go test -parallel).
func TestFeatures(t *testing.T) {
	srv := servePlugin(t)
	for _, series := range []string{"4.0", "4.3"} {
		parallelCase(t, "feature/"+series+"/community-plugin", func(t *testing.T, note func(string, ...any)) {
			communityPlugin(t, note, series, srv)
		})
		parallelCase(t, "feature/"+series+"/community-plugin-bad-sha256", func(t *testing.T, note func(string, ...any)) {
			communityPluginBadSHA(t, note, series, srv)
		})
		for _, c := range userCases() {
			parallelCase(t, "feature/"+series+"/default-user-"+c.name, func(t *testing.T, note func(string, ...any)) {
				awkwardUser(t, note, series, c)
			})
		}
	}
}

// featureConfig writes a one-node config for series (k8s discovery, the default per-pod volume) with more
// spec lines, in its own namespace, and returns its path.
func featureConfig(t *testing.T, name, series, spec string) string {
	t.Helper()
	return clusterConfig(t, name, series, 1, spec)
}

// clusterConfig is featureConfig with replicas nodes.
func clusterConfig(t *testing.T, name, series string, replicas int, spec string) string {
	t.Helper()
	ns := "f-" + name + "-" + strings.ReplaceAll(series, ".", "")
	cfg := fmt.Sprintf(`apiVersion: rabbitmq-krm.dev/v1alpha1
kind: RabbitMQCluster
metadata: {name: rabbitmq, namespace: %s}
spec:
  replicas: %d
  image: rabbitmq:%s-management
%s`, ns, replicas, series, spec)
	return writeConfig(t, ns, cfg)
}

// writeConfig writes a config written at run time into $RK_CLUSTER_RUN/configs/<ns>.yaml and returns its path.
func writeConfig(t *testing.T, ns, cfg string) string {
	t.Helper()
	dir := filepath.Join(runDir, "configs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, ns+".yaml")
	if err := os.WriteFile(f, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// ---------------------------------------------------------------------------- community plugin

const testPlugin, testPluginVsn = "rabbitmq_krm_test_plugin", "1.0.0"

// pluginServer serves the test plugin's .ez on the node's bridge address, where pods reach the host, as
// GitHub serves a release: over https, through a 302 to another path (/redirect/X -> /X); plain http too.
// It counts the downloads per case (the cases run in parallel; each has its own directory: the generator
// takes no query string).
type pluginServer struct {
	ez         []byte
	sha        string
	plain, tls *httptest.Server
	mu         sync.Mutex
	downloads  map[string]int
}

const pluginFile = testPlugin + "-" + testPluginVsn + ".ez"

// url is the case's plugin URL: https with a redirect, or plain http.
func (s *pluginServer) url(forCase string, https bool) string {
	if https {
		return s.tls.URL + "/redirect/" + caseDir(forCase) + "/" + pluginFile
	}
	return s.plain.URL + "/" + caseDir(forCase) + "/" + pluginFile
}

func caseDir(name string) string { return strings.NewReplacer("/", "-", ".", "").Replace(name) }

func (s *pluginServer) served(forCase string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[caseDir(forCase)]
}

func (s *pluginServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/redirect/"); ok {
		http.Redirect(w, r, "/"+rest, http.StatusFound)
		return
	}
	dir, f := path.Split(r.URL.Path)
	if f != pluginFile {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.downloads[strings.Trim(dir, "/")]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(s.ez)
}

func servePlugin(t *testing.T) *pluginServer {
	t.Helper()
	ez, err := pluginEZ(testPlugin, testPluginVsn)
	if err != nil {
		t.Fatal(err)
	}
	s := &pluginServer{ez: ez, sha: sha256Hex(ez), downloads: map[string]int{}}
	s.plain, s.tls = bridgeServer(t, s), bridgeServer(t, s)
	s.plain.Start()
	s.tls.StartTLS() // a throw-away certificate: the init container trusts the sha256, not the server
	return s
}

// bridgeServer is an unstarted httptest server on the node's bridge address, closed when the test ends.
func bridgeServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ip := os.Getenv("RK_NODE_IP")
	if ip == "" {
		t.Fatal("RK_NODE_IP (the bridge address, from node.sh env) is not set")
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	t.Cleanup(srv.Close)
	return srv
}

// pluginEZ builds a minimal plugin archive: <name>-<vsn>/ebin/<name>.app, a library application (no
// modules) that depends on rabbit, which is all RabbitMQ's plugin loader needs to list and start it.
// Every entry has a real date: with zip.Writer.Create's zero time (DOS date 1980-00-00) RabbitMQ 4.x
// fails to expand the archive (failed_to_unzip_plugin: write_file_info ... badarg) and the node does not
// boot; a fixed date keeps the archive, and its sha256, the same on every run.
func pluginEZ(name, vsn string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	top := name + "-" + vsn + "/"
	entry := func(path string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	for _, dir := range []string{top, top + "ebin/"} {
		if _, err := entry(dir); err != nil {
			return nil, err
		}
	}
	w, err := entry(top + "ebin/" + name + ".app")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, `{application, %s, [{description, "rabbitmq-krm test plugin"}, {vsn, "%s"}, {modules, []}, {registered, []}, {applications, [kernel, stdlib, rabbit]}, {env, []}, {broker_version_requirements, []}]}.`+"\n", name, vsn)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func pluginSpec(url, sha string) string {
	return fmt.Sprintf("  communityPlugins:\n  - {name: %s, url: %q, sha256: %q}\n", testPlugin, url, sha)
}

// communityPlugin: the init container downloads the plugin ("sha256 verified"), the file in the pod is the
// served one, and the broker lists it enabled and running next to the image's own plugins.
func communityPlugin(t *testing.T, note func(string, ...any), series string, srv *pluginServer) {
	https := series == "4.3" // 4.3 (Erlang 29) fetches over https through a redirect, 4.0 (Erlang 27) plain http
	d := deploy(t, featureConfig(t, "plugin", series, pluginSpec(srv.url(t.Name(), https), srv.sha)), note, caseOpts{})
	if log, _ := kubectl(30*time.Second, nil, "-n", d.namespace, "logs", d.pod(0), "-c", "community-plugins"); !strings.Contains(log, "sha256 verified") {
		t.Errorf("the community-plugins init container did not report \"sha256 verified\":\n%s", log)
	}
	file := "/opt/rabbitmq-krm/plugins/" + pluginFile
	if out, err := d.exec(0, time.Minute, "sha256sum", file); err != nil || !strings.HasPrefix(out, srv.sha) {
		t.Errorf("%s in the broker container: %v %s, want sha256 %s", file, err, out, srv.sha)
	}
	out, err := d.exec(0, 2*time.Minute, "rabbitmq-plugins", "list", "-e", testPlugin)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\[E\*\]\s+` + testPlugin + `\s+` + regexp.QuoteMeta(testPluginVsn)).MatchString(out) {
		t.Fatalf("rabbitmq-plugins list -e: want [E*] %s %s:\n%s", testPlugin, testPluginVsn, out)
	}
	out, err = d.exec(0, 2*time.Minute, "rabbitmq-plugins", "list", "-e", "rabbitmq_management")
	if err != nil || !strings.Contains(out, "[E*] rabbitmq_management") {
		t.Errorf("the image's own plugins (/opt/rabbitmq/plugins) are not running beside it: %v\n%s", err, out)
	}
	note("downloaded %d time(s) (https with a redirect: %v), sha256 verified, [E*] %s %s", srv.served(t.Name()), https, testPlugin, testPluginVsn)
}

// communityPluginBadSHA: the negative control. The same plugin with a wrong sha256 in the config: the init
// container downloads it, exits 1 naming the mismatch, and the broker container never starts.
func communityPluginBadSHA(t *testing.T, note func(string, ...any), series string, srv *pluginServer) {
	wrong := sha256Hex(append([]byte("not the archive"), srv.ez...))
	d, start := apply(t, featureConfig(t, "plugin-bad-sha", series, pluginSpec(srv.url(t.Name(), false), wrong)), caseOpts{})
	st, err := d.waitInitExit(0, "community-plugins", 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	note("init container community-plugins exited %d %.1fs after apply", st.code, time.Since(start).Seconds())
	if st.code != 1 {
		t.Errorf("exit code %d, want 1", st.code)
	}
	if want := "not " + wrong + ": refusing to start"; !strings.Contains(st.log, want) || !strings.Contains(st.log, srv.sha) {
		t.Errorf("its log does not name the mismatch (got %s, want %s):\n%s", srv.sha, wrong, st.log)
	}
	if srv.served(t.Name()) == 0 {
		t.Error("it failed without downloading the plugin: the check proves nothing")
	}
	if st.brokerStarted {
		t.Error("the broker container started although an init container failed")
	}
}

// initExit is what the kubelet reports about a failed init container of a pod.
type initExit struct {
	code          int
	log           string
	brokerStarted bool
}

// waitInitExit waits until init container name of pod i has terminated with a non-zero exit code (now or
// in its last run, before a restart) and returns the code, its log and whether the broker ever started.
func (d *deployment) waitInitExit(i int, name string, timeout time.Duration) (*initExit, error) {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(2 * time.Second) {
		out, err := kubectl(30*time.Second, nil, "-n", d.namespace, "get", "pod", d.pod(i), "-o", "json")
		if err != nil {
			continue // not created yet
		}
		var p podStatus
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			return nil, err
		}
		code := p.initExitCode(name)
		if code == 0 {
			continue
		}
		// the failed run's log: the current one, or the previous one once the kubelet has restarted the
		// container (which may happen between the status read and this read)
		args := []string{"-n", d.namespace, "logs", d.pod(i), "-c", name}
		log, _ := kubectl(30*time.Second, nil, args...)
		prev, _ := kubectl(30*time.Second, nil, append(args, "--previous")...)
		return &initExit{code: code, log: prev + log, brokerStarted: p.started("rabbitmq")}, nil
	}
	return nil, fmt.Errorf("init container %s of %s did not fail within %s", name, d.pod(i), timeout)
}

// ---------------------------------------------------------------------------- awkward default users

// userCase is a default user Secret's exact bytes and what must and must not log in.
type userCase struct {
	name           string
	user, password string   // the Secret's values
	login          string   // the password that logs in ("": password)
	wrongPasswords []string // must be refused: what a broken quoting/encoding would make of it
	wrongUsers     []string // must be refused with the right password
}

// userCases: every character the setup container and rabbitmq.conf/advanced.config could mangle. The
// wrong variants are the failures each layer would cause: rabbitmq.conf cuts at '#', trims spaces,
// substitutes $(...) and ends at a newline; a quoting bug leaves the escaped form; a file read as Latin-1
// but written as UTF-8 encodes every non-ASCII byte twice.
func userCases() []userCase {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
	syntax := "  Tr0ub4dor#3 $HOME ${x} $(ss) `id` \"\\\" '%s' ~p~n %d\n\"/utf8>>}]}]. <<\"x\">> ;&<>!  "
	nonASCII := "pässwörd\"\\ пароль 密码 🐇 \xff\xfe-latin1-\xe4"
	return []userCase{
		{name: "syntax", user: `adm"\in#ops`, password: syntax,
			wrongPasswords: []string{"  Tr0ub4dor", "Tr0ub4dor", strings.TrimSpace(syntax), syntax[:strings.Index(syntax, "\n")],
				esc(syntax), strings.Replace(syntax, "$(ss)", "", 1)},
			wrongUsers: []string{`adm"\in`, esc(`adm"\in#ops`)}},
		// also not UTF-8 at all (Secrets hold bytes), and a trailing newline (`echo pw > file`), which the
		// setup container drops by design (README)
		{name: "non-ascii", user: "ädmin-пользователь", password: nonASCII + "\n", login: nonASCII,
			wrongPasswords: []string{latin1ToUTF8(nonASCII), nonASCII + "\n", "pässwörd\"\\ пароль 密码 🐇 "},
			wrongUsers:     []string{latin1ToUTF8("ädmin-пользователь")}},
	}
}

// latin1ToUTF8 is s read byte by byte as Latin-1 and written as UTF-8: the double encoding.
func latin1ToUTF8(s string) string {
	r := make([]rune, 0, len(s))
	for _, c := range []byte(s) {
		r = append(r, rune(c))
	}
	return string(r)
}

// awkwardUser: a fresh broker (the default user is created on the first boot only) with the Secret holding
// exactly these bytes; AMQP (SASL PLAIN, no URL escaping) accepts exactly them and refuses every variant.
func awkwardUser(t *testing.T, note func(string, ...any), series string, c userCase) {
	cfg := featureConfig(t, "user-"+c.name, series, "  defaultUser: {secretName: rabbitmq-admin}\n")
	d := deploy(t, cfg, note, caseOpts{user: c.user, password: c.password})
	ips, err := podIPs(d.namespace, d.stsName, 1)
	if err != nil || ips[d.pod(0)] == "" {
		t.Fatalf("IP of %s: %v", d.pod(0), err)
	}
	host := net.JoinHostPort(ips[d.pod(0)], "5672")
	login := c.login
	if login == "" {
		login = c.password
	}
	if err := loginPlain(host, c.user, login); err != nil {
		t.Fatalf("the Secret's user %q with password %q: %v", c.user, login, err)
	}
	type try struct{ user, password string }
	var tries []try
	for _, p := range c.wrongPasswords {
		tries = append(tries, try{c.user, p})
	}
	for _, u := range c.wrongUsers {
		tries = append(tries, try{u, login})
	}
	errs := make([]error, len(tries))
	var wg sync.WaitGroup
	for i, tr := range tries { // at once: RabbitMQ holds each refused connection for 3 s
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = loginPlain(host, tr.user, tr.password) }()
	}
	wg.Wait()
	for i, tr := range tries {
		if !accessRefused(errs[i]) {
			t.Errorf("user %q password %q: want ACCESS_REFUSED, got %v", tr.user, tr.password, errs[i])
		}
	}
	note("user %q logs in with exactly the Secret's password; %d mangled variants refused", c.user, len(tries))
}
