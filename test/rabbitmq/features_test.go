//go:build e2e

package rabbitmq

// Feature scenarios: spec.defaultUser and the startup probe (on TestCluster's formed clusters), spec.tls (TestTLS),
// spec.communityPlugins (TestCommunityPlugin), and awkward default users, from the Secret through the setup
// container's advanced.config to AMQP and management logins (TestDefaultUserPassword). Each has a negative control.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	corev1 "k8s.io/api/core/v1"
)

// ---------------------------------------------------------------- spec.defaultUser (on a formed cluster)

// checkDefaultUser: the user from the Secret logs in over AMQP and the management API with tag administrator, a
// wrong password is refused (negative control); the credentials are in exactly one file of every pod's conf.d, the
// advanced.config the broker reads (RABBITMQ_ADVANCED_CONFIG_FILE), mode 0600; the password is in no process's
// arguments, nor in the broker's environment, nor in its log.
func checkDefaultUser(t *testing.T, d *deployment, pods []string) {
	user, pass := d.credentials()
	if user != testUser || pass != testPassword {
		t.Fatalf("default user Secret is %q/%q, want the test-supplied %q", user, pass, testUser)
	}
	if rendered, _ := os.ReadFile(filepath.Join(d.dir, "rendered.yaml")); strings.Contains(string(rendered), testPasswordToken) {
		t.Errorf("the password is in the rendered output")
	}
	uid := -1
	if cr := d.credential(d.mainContainer()); cr != nil {
		uid = int(cr.Uid)
	}
	for _, n := range pods {
		p := d.pods[n]
		_, confDir, _ := p.configPaths()
		local, _ := p.localPath(p.mounts, confDir)
		advPath, advLocal, advOK := p.advancedConfig()
		if !advOK {
			t.Errorf("pod %s: no advanced config at %s (RABBITMQ_ADVANCED_CONFIG_FILE=%q)", n, advPath, p.env["RABBITMQ_ADVANCED_CONFIG_FILE"])
		}
		// The broker reads that very file: the harness's image default does not shadow it.
		if got := envValue(p.procEnv, "RABBITMQ_ADVANCED_CONFIG_FILE"); got != advLocal {
			t.Errorf("pod %s: the broker's RABBITMQ_ADVANCED_CONFIG_FILE=%s, want %s (%s)", n, got, advLocal, advPath)
		}
		if err := checkBannerConfigFiles(p); err != nil {
			t.Error(err)
		}
		entries, _ := os.ReadDir(local)
		var holders []string
		for _, e := range entries {
			f := filepath.Join(local, e.Name())
			b, _ := os.ReadFile(f)
			if e.IsDir() || !strings.Contains(string(b), testPasswordToken) {
				continue
			}
			holders = append(holders, e.Name())
			st, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("pod %s: %s/%s has mode %o, want 0600", n, confDir, e.Name(), m)
			}
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && uid >= 0 && int(sys.Uid) != uid {
				t.Errorf("pod %s: %s is owned by uid %d, want the container's %d", n, e.Name(), sys.Uid, uid)
			}
			if f != advLocal {
				t.Errorf("pod %s: %s/%s holds the password, but the broker's advanced config is %s", n, confDir, e.Name(), advPath)
			}
			if !strings.Contains(string(b), `{default_user, <<"`+testUser+`"`) {
				t.Errorf("pod %s: %s has no {default_user, <<\"%s\"...>>}: %s", n, e.Name(), testUser, firstLine(string(b)))
			}
		}
		if len(holders) != 1 {
			t.Errorf("pod %s: want exactly one conf.d file with the password (%s), got %v", n, advPath, holders)
		} else {
			t.Logf("pod %s: %s/%s holds the credentials, mode 0600; the broker's RABBITMQ_ADVANCED_CONFIG_FILE is that file", n, confDir, holders[0])
		}
		// Where the password must not be: arguments of the broker and its children (and of any process on this
		// machine), the broker's environment, the container log.
		pid := p.cmd.Process.Pid
		tree := descendants(pid)
		for _, q := range tree {
			if strings.Contains(procFile(q, "cmdline"), testPasswordToken) {
				t.Errorf("pod %s: the password is in the arguments of pid %d: %.200s", n, q, procFile(q, "cmdline"))
			}
			if strings.Contains(procFile(q, "environ"), testPasswordToken) {
				t.Errorf("pod %s: the password is in the environment of pid %d", n, q)
			}
		}
		if strings.Contains(procFile(pid, "environ"), "RABBITMQ_NODENAME") == false {
			t.Errorf("pod %s: cannot read /proc/%d/environ (the environment check would be vacuous)", n, pid)
		}
		if b, _ := os.ReadFile(p.logPath); strings.Contains(string(b), testPasswordToken) {
			t.Errorf("pod %s: the password is in the container log %s", n, p.logPath)
		}
		t.Logf("pod %s: password in none of %d processes' argv/environ (broker pid %d and children) nor in the log", n, len(tree), pid)
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if q, err := strconv.Atoi(e.Name()); err == nil && strings.Contains(procFile(q, "cmdline"), testPasswordToken) {
			t.Errorf("the password is in the arguments of pid %d: %.200s", q, procFile(q, "cmdline"))
		}
	}

	for _, n := range []string{pods[0], pods[len(pods)-1]} {
		ip := d.podIP(d.slots[n])
		// AMQP as the default user (the drill does the heavy lifting with the same user).
		conn, err := dial(d.amqpURL(n))
		if err != nil {
			t.Fatalf("AMQP login as %s on %s: %v", user, n, err)
		}
		conn.Close()
		// Negative control: the same user with a wrong password is refused by the broker (not a network error).
		bad := strings.Replace(d.amqpURL(n), url.UserPassword(user, pass).String(), url.UserPassword(user, pass+"x").String(), 1)
		if bad == d.amqpURL(n) {
			t.Fatal("could not build the wrong-password URL")
		}
		if conn, err := dial(bad); err == nil {
			conn.Close()
			t.Errorf("AMQP login with a wrong password succeeded on %s", n)
		} else if !errors.Is(err, amqp.ErrCredentials) && !strings.Contains(err.Error(), "403") {
			t.Errorf("AMQP login with a wrong password on %s: want ACCESS_REFUSED, got %v", n, err)
		} else {
			t.Logf("pod %s: AMQP as %s OK; wrong password refused: %v", n, user, err)
		}
		// Management API.
		base := fmt.Sprintf("http://%s:%d", ip, mgmtPort(d, "management"))
		if err := waitHTTP(base, nil, 30*time.Second); err != nil {
			t.Fatalf("management API on %s: %v", base, err)
		}
		w, _, err := mgmtWhoami(base, user, pass, nil)
		if err != nil {
			t.Fatalf("whoami as %s: %v", user, err)
		}
		if w.Name != user || !contains(w.tags(), "administrator") {
			t.Errorf("whoami on %s: name %q tags %v, want %s with administrator", n, w.Name, w.tags(), user)
		}
		if _, code, err := mgmtWhoami(base, user, "wrong-"+pass, nil); code != http.StatusUnauthorized {
			t.Errorf("whoami with a wrong password on %s: HTTP %d (%v), want 401", n, code, err)
		}
		t.Logf("pod %s: GET %s/api/whoami as %s: name=%s tags=%v; wrong password: 401", n, base, user, w.Name, w.tags())
	}
}

// mgmtPort returns the container port of the given name (management, management-tls, ...).
func mgmtPort(d *deployment, name string) int {
	for _, cp := range d.mainContainer().Ports {
		if cp.Name == name {
			return int(cp.ContainerPort)
		}
	}
	return 0
}

// ---------------------------------------------------------------- the startup probe (on a formed cluster)

var awaitArgs = regexp.MustCompile(`await_online_nodes (\d+) --timeout (\d+)`)

// checkStartupProbe runs the rendered startupProbe command in every pod of the formed cluster (like the kubelet:
// exec in the container's env, not $(VAR)-expanded): exit 0 and no "starting anyway". Negative control: the same
// command waiting for one node more, with --timeout 5, must give up after about 5 s (seconds, not ms) and print
// its "starting anyway" message, still exiting 0.
func checkStartupProbe(t *testing.T, d *deployment, pods []string) {
	sp := d.mainContainer().StartupProbe
	if sp.Exec == nil {
		t.Fatalf("startupProbe is not an exec probe: %+v", sp.ProbeHandler)
	}
	cmd := sp.Exec.Command
	script := cmd[len(cmd)-1]
	m := awaitArgs.FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("startupProbe %q has no `await_online_nodes N --timeout S`", cmd)
	}
	if n, _ := strconv.Atoi(m[1]); n != len(pods) {
		t.Errorf("startupProbe waits for %d nodes, the StatefulSet has %d replicas", n, len(pods))
	}
	timeout := time.Duration(sp.TimeoutSeconds) * time.Second
	if timeout <= 0 || timeout > 2*time.Minute {
		timeout = 2 * time.Minute
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pods))
	outs := make([]string, len(pods))
	took := make([]time.Duration, len(pods))
	timed(t, d.name+": 2 startup probe in every pod (parallel)", "", func() {
		for i, n := range pods {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				outs[i], errs[i] = d.pods[n].execInContainer(cmd, timeout)
				took[i] = time.Since(t0)
			}()
		}
		wg.Wait()
	})
	for i, n := range pods {
		if errs[i] != nil {
			t.Errorf("pod %s: startup probe failed after %.1fs: %v", n, took[i].Seconds(), errs[i])
		} else if strings.Contains(outs[i], "starting anyway") {
			t.Errorf("pod %s: startup probe gave up on a full cluster: %q", n, outs[i])
		} else {
			t.Logf("pod %s: startup probe exit 0 in %.1fs, output %q", n, took[i].Seconds(), strings.TrimSpace(outs[i]))
		}
	}
	// Negative control: one node more than exist, short timeout.
	want := len(pods) + 1
	short := []string{}
	short = append(short, cmd[:len(cmd)-1]...)
	short = append(short, awaitArgs.ReplaceAllString(script, fmt.Sprintf("await_online_nodes %d --timeout 5", want)))
	var out string
	var err error
	dt := timed(t, d.name+": 2 startup probe negative control (N+1 nodes, --timeout 5)", "", func() {
		out, err = d.pods[pods[0]].execInContainer(short, 2*time.Minute)
	})
	switch {
	case err != nil:
		t.Errorf("startup probe waiting for %d nodes: want exit 0 (start anyway), got %v", want, err)
	case !strings.Contains(out, "starting anyway"):
		t.Errorf("startup probe waiting for %d nodes: no \"starting anyway\" message: %q", want, out)
	case dt < 5*time.Second:
		t.Errorf("startup probe with --timeout 5 gave up after %.1fs: the timeout is not in seconds", dt.Seconds())
	default:
		t.Logf("startup probe waiting for %d of %d nodes gave up after %.1fs (--timeout 5) and exits 0: %q", want, len(pods), dt.Seconds(), strings.TrimSpace(out))
	}
}

// ---------------------------------------------------------------- spec.tls

func TestTLS(t *testing.T) {
	t.Parallel()
	d := newTestDeployment(t, "tls", "")
	pki := d.pki
	if pki == nil {
		t.Fatal("the pod template references no kubernetes.io/tls Secret (spec.tls not rendered?)")
	}
	pp, conf, _, err := d.previewConf()
	if err != nil {
		t.Fatal(err)
	}
	keys := confKeys(conf)
	for k, want := range map[string]string{"listeners.tcp": "none", "listeners.ssl.default": "5671", "management.ssl.port": "15671", "prometheus.ssl.port": "15691"} {
		if keys[k] != want {
			t.Errorf("rendered rabbitmq.conf: %s = %q, want %q", k, keys[k], want)
		}
	}
	if v, ok := keys["management.tcp.port"]; ok {
		t.Errorf("rendered rabbitmq.conf opens the plain management port (management.tcp.port = %s) with disableNonTLSListeners", v)
	}
	if rp := d.mainContainer().ReadinessProbe; rp == nil || rp.TCPSocket == nil || rp.TCPSocket.Port.String() != "amqps" {
		t.Errorf("readiness probe: want tcpSocket on port amqps, got %+v", rp)
	}
	f := filepath.Join(d.dir, "rendered-rabbitmq.conf")
	if err := os.WriteFile(f, []byte(pp.localizeConf(conf)), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, out := validateConf(f); !ok {
		t.Fatalf("rendered rabbitmq.conf (certificate paths mapped to the pod's Secret volumes) rejected by RabbitMQ %s:\n%s", h.rmqVer, out)
	}
	// What the broker makes of the rendered config alone (no harness override): no plain AMQP listener, the
	// management plugin without a plain listener (it opens 15672 by default when neither tcp nor ssl is set).
	if got, err := listenerTerms(f); err != nil {
		t.Fatal(err)
	} else {
		want := "tcp_listeners=[] ssl_listeners=[5671] management_tcp=undefined management_listener=undefined management_ssl_port=15671 prometheus_tcp_port=15692 prometheus_ssl_port=15691"
		if got != want {
			t.Errorf("RabbitMQ's config pipeline on the rendered rabbitmq.conf:\n got %s\nwant %s", got, want)
		} else {
			t.Logf("RabbitMQ's config pipeline on the rendered rabbitmq.conf: %s", got)
		}
	}

	pod0 := d.ordinalNames()[0]
	timed(t, "tls: boot one TLS-only pod", "", func() {
		if err := d.createPods(pod0); err != nil {
			t.Fatal(err)
		}
	})
	ip := d.podIP(d.slots[pod0])
	user, pass := d.credentials()
	tlsConf := &tls.Config{RootCAs: pki.pool}

	// AMQPS with the CA: connect, publish, get.
	amqps := url.URL{Scheme: "amqps", User: url.UserPassword(user, pass), Host: net.JoinHostPort(ip, strconv.Itoa(mgmtPort(d, "amqps"))), Path: "/"}
	conn, err := amqp.DialConfig(amqps.String(), amqp.Config{TLSClientConfig: tlsConf, Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		t.Fatalf("amqps to %s: %v", amqps.Host, err)
	}
	if err := roundTrip(conn); err != nil {
		t.Errorf("amqps publish/get: %v", err)
	}
	st := conn.ConnectionState()
	t.Logf("amqps %s as %s: TLS %s, %s, server certificate %q (verified against the test CA); publish+get OK",
		amqps.Host, user, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.PeerCertificates[0].Subject.CommonName)
	conn.Close()

	// Management API over https with the CA.
	base := fmt.Sprintf("https://%s:%d", ip, mgmtPort(d, "management-tls"))
	if err := waitHTTP(base, pki.pool, 30*time.Second); err != nil {
		t.Fatalf("management API on %s: %v", base, err)
	}
	w, _, err := mgmtWhoami(base, user, pass, pki.pool)
	if err != nil {
		t.Fatalf("https whoami: %v", err)
	}
	if w.Name != user || !contains(w.tags(), "administrator") {
		t.Errorf("whoami over https: name %q tags %v", w.Name, w.tags())
	}
	t.Logf("GET %s/api/whoami: name=%s tags=%v", base, w.Name, w.tags())
	// Prometheus: the TLS port answers (verified), and the plain metrics port stays open by design.
	if err := getOK(fmt.Sprintf("https://%s:%d/metrics", ip, mgmtPort(d, "prometheus-tls")), pki.pool); err != nil {
		t.Errorf("prometheus over TLS: %v", err)
	}
	if err := getOK(fmt.Sprintf("http://%s:%d/metrics", ip, mgmtPort(d, "prometheus")), nil); err != nil {
		t.Errorf("prometheus plain port (kept open by the renderer): %v", err)
	}

	// Negative controls: the plain listeners are closed, and an untrusting client fails the handshake.
	for _, port := range []int{5672, 15672} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), 3*time.Second)
		if err == nil {
			c.Close()
			t.Errorf("port %d is open on %s with disableNonTLSListeners", port, ip)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("port %d on %s: want connection refused, got %v", port, ip, err)
		}
	}
	plain := url.URL{Scheme: "amqp", User: url.UserPassword(user, pass), Host: net.JoinHostPort(ip, "5672"), Path: "/"}
	if c, err := dial(plain.String()); err == nil {
		c.Close()
		t.Errorf("plain AMQP on 5672 works with disableNonTLSListeners")
	} else {
		t.Logf("negative control: plain AMQP to %s fails: %v", plain.Host, err)
	}
	if c, err := amqp.DialConfig(amqps.String(), amqp.Config{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}, Dial: amqp.DefaultDial(10 * time.Second)}); err == nil {
		c.Close()
		t.Errorf("amqps with an empty CA pool succeeded: the server certificate is not what the client verifies")
	} else {
		t.Logf("negative control: amqps without the test CA fails: %v", err)
	}
}

const listenerEval = `
logger:set_primary_config(level, emergency),
[PluginsDir | Files] = init:get_plain_arguments(),
C = rabbit_prelaunch_conf:generate_config_from_cuttlefish_files(#{plugins_path => PluginsDir, os_type => os:type()}, Files, undefined),
G = fun(A, K) -> proplists:get_value(K, proplists:get_value(A, C, []), undefined) end,
P = fun(undefined) -> undefined; (L) -> proplists:get_value(port, L) end,
io:format("RESULT tcp_listeners=~0p ssl_listeners=~0p management_tcp=~0p management_listener=~0p management_ssl_port=~0p prometheus_tcp_port=~0p prometheus_ssl_port=~0p~n",
  [G(rabbit, tcp_listeners), G(rabbit, ssl_listeners), G(rabbitmq_management, tcp_config), G(rabbitmq_management, listener),
   P(G(rabbitmq_management, ssl_config)), P(G(rabbitmq_prometheus, tcp_config)), P(G(rabbitmq_prometheus, ssl_config))]),
halt(0).`

// listenerTerms runs RabbitMQ's config pipeline on files and summarizes the listener settings it produces.
func listenerTerms(files ...string) (string, error) {
	plugins := filepath.Join(h.rmqHome, "plugins")
	cmd := exec.Command("erl", append([]string{"-noshell", "-noinput", "-boot", "start_clean", "-eval", listenerEval, "-extra", plugins}, files...)...)
	cmd.Env = append(baseEnv(), "ERL_LIBS="+plugins)
	out, err := cmd.CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if r, ok := strings.CutPrefix(l, "RESULT "); ok {
			return r, nil
		}
	}
	return "", fmt.Errorf("erl: %v: %s", err, out)
}

func roundTrip(conn *amqp.Connection) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return err
	}
	if err := ch.Publish("", q.Name, false, false, amqp.Publishing{Body: []byte("over TLS")}); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		m, ok, err := ch.Get(q.Name, true)
		if err != nil {
			return err
		}
		if ok {
			if string(m.Body) != "over TLS" {
				return fmt.Errorf("got %q", m.Body)
			}
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("message not delivered")
}

func getOK(u string, pool *x509.CertPool) error {
	client := &http.Client{Timeout: 20 * time.Second}
	if pool != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// ---------------------------------------------------------------- spec.communityPlugins

const (
	testPluginName = "rabbitmq_krm_test_plugin"
	testPluginVsn  = "1.0.0"
)

// TestCommunityPlugin serves a plugin archive built by the test, renders configs/community-plugin.yaml with its
// URL and sha256, and lets the rendered init container download it (the image's Erlang: here Debian's erl).
func TestCommunityPlugin(t *testing.T) {
	t.Parallel()
	ez, err := pluginEZ(testPluginName, testPluginVsn)
	if err != nil {
		t.Fatal(err)
	}
	file := testPluginName + "-" + testPluginVsn + ".ez"
	var downloads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+file {
			http.NotFound(w, r)
			return
		}
		downloads.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(ez)
	}))
	t.Cleanup(srv.Close)
	tmpl, err := os.ReadFile("configs/community-plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const placeholderURL, placeholderSHA = "http://127.0.0.1:1/" + testPluginName + "-" + testPluginVsn + ".ez", "0000000000000000000000000000000000000000000000000000000000000000"
	if !strings.Contains(string(tmpl), placeholderURL) || !strings.Contains(string(tmpl), placeholderSHA) {
		t.Fatalf("configs/community-plugin.yaml lost its placeholders %s / %s", placeholderURL, placeholderSHA)
	}
	configFor := func(name, sha string) []byte {
		dir := filepath.Join(h.work, "configs")
		_ = os.MkdirAll(dir, 0o755)
		cfg := strings.NewReplacer(placeholderURL, srv.URL+"/"+file, placeholderSHA, sha).Replace(string(tmpl))
		f := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(f, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		return h.renderFile(t, f)
	}
	good := sha256Hex(ez)

	t.Run("download-and-enable", func(t *testing.T) {
		d := newTestDeploymentFrom(t, "community-plugin", configFor("community-plugin", good))
		var dl *corev1.Container
		for i := range d.sts.Spec.Template.Spec.InitContainers {
			if c := &d.sts.Spec.Template.Spec.InitContainers[i]; c.Name == "community-plugins" {
				dl = c
			}
		}
		if dl == nil {
			t.Fatal("no init container community-plugins in the rendered StatefulSet")
		}
		pod0 := d.ordinalNames()[0]
		timed(t, "community plugin: init download + boot one pod", "", func() {
			if err := d.createPods(pod0); err != nil {
				t.Fatal(err)
			}
		})
		p := d.pods[pod0]
		log, _ := os.ReadFile(filepath.Join(d.dir, "logs", pod0+"-init-community-plugins.log"))
		if !strings.Contains(string(log), "sha256 verified") {
			t.Errorf("init container log has no \"sha256 verified\":\n%s", log)
		}
		// The file the init container wrote, where the broker looks for it.
		dirs := strings.Split(p.env["RABBITMQ_PLUGINS_DIR"], ":")
		if len(dirs) != 2 {
			t.Fatalf("RABBITMQ_PLUGINS_DIR=%q, want the image's plugins dir and the download dir", p.env["RABBITMQ_PLUGINS_DIR"])
		}
		local, _ := p.localPath(p.mounts, dirs[1]+"/"+file)
		got, err := os.ReadFile(local)
		if err != nil {
			t.Fatalf("the init container wrote no %s/%s: %v", dirs[1], file, err)
		}
		if sha256Hex(got) != good {
			t.Errorf("%s has sha256 %s, want %s", local, sha256Hex(got), good)
		}
		t.Logf("init container wrote %s/%s (%d bytes, sha256 OK; %d download(s))", dirs[1], file, len(got), downloads.Load())
		// Enabled and running: the boot log's started plugins, and rabbitmq-plugins in the container.
		started := startedPlugins(p.logSinceStart())
		if !contains(started, testPluginName) {
			t.Errorf("%s not among the plugins started at boot: %v", testPluginName, started)
		}
		for _, shipped := range []string{"rabbitmq_management", "rabbitmq_prometheus"} {
			if !contains(started, shipped) {
				t.Errorf("%s (from the image's plugins dir, %s) not started: %v", shipped, dirs[0], started)
			}
		}
		out, err := p.execInContainer([]string{"rabbitmq-plugins", "list", "-e", testPluginName}, 2*time.Minute)
		if err != nil {
			t.Fatalf("rabbitmq-plugins list: %v", err)
		}
		if !regexp.MustCompile(`\[E\*\]\s+` + testPluginName + `\s+` + regexp.QuoteMeta(testPluginVsn)).MatchString(out) {
			t.Errorf("rabbitmq-plugins list -e: want [E*] %s %s:\n%s", testPluginName, testPluginVsn, out)
		} else {
			t.Logf("rabbitmq-plugins list -e: %s", firstLine(lastLineWith(out, testPluginName)))
		}
	})

	// Real plugin URLs are https and redirect (GitHub release assets answer 302 to another host): the init
	// container alone (no broker), against an https server (test certificate, not verified by the script: the
	// sha256 is what is trusted) that redirects to the archive.
	t.Run("https-with-redirect", func(t *testing.T) {
		tsrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/releases/download/v1.0.0/" + file:
				http.Redirect(w, r, "/objects/"+good, http.StatusFound)
			case "/objects/" + good:
				downloads.Add(1)
				_, _ = w.Write(ez)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(tsrv.Close)
		dir := filepath.Join(h.work, "configs")
		_ = os.MkdirAll(dir, 0o755)
		cfg := strings.NewReplacer(placeholderURL, tsrv.URL+"/releases/download/v1.0.0/"+file, placeholderSHA, good).Replace(string(tmpl))
		f := filepath.Join(dir, "community-plugin-https.yaml")
		if err := os.WriteFile(f, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		d := newTestDeploymentFrom(t, "community-plugin-https", h.renderFile(t, f))
		p, err := d.newPod(d.ordinalNames()[0])
		if err != nil {
			t.Fatal(err)
		}
		before := downloads.Load()
		if err := p.runInitContainers(); err != nil {
			t.Fatalf("init containers (https + 302): %v", err)
		}
		got, err := os.ReadFile(filepath.Join(p.volumes["community-plugins"], file))
		if err != nil || sha256Hex(got) != good || downloads.Load() != before+1 {
			t.Fatalf("after the init containers: %s: err %v, sha256 %s, downloads %d", file, err, sha256Hex(got), downloads.Load()-before)
		}
		t.Logf("init container fetched %s over https through a 302 and verified it (%d bytes)", tsrv.URL+"/releases/download/v1.0.0/"+file, len(got))
	})

	t.Run("wrong-sha256-negative-control", func(t *testing.T) {
		wrong := sha256Hex(append([]byte("not the archive"), ez...))
		d := newTestDeploymentFrom(t, "community-plugin-bad-sha", configFor("community-plugin-bad-sha", wrong))
		before := downloads.Load()
		p, err := d.newPod(d.ordinalNames()[0])
		if err != nil {
			t.Fatal(err)
		}
		err = p.runInitContainers()
		var ie *initError
		if !errors.As(err, &ie) {
			t.Fatalf("init containers with a wrong sha256: want a failed init container, got %v", err)
		}
		if ie.container != "community-plugins" || ie.exitCode == 0 || ie.exitCode == -1 {
			t.Errorf("failed init container %s exit %d, want community-plugins with a non-zero exit", ie.container, ie.exitCode)
		}
		if !strings.Contains(ie.output, "sha256") || !strings.Contains(ie.output, good) || !strings.Contains(ie.output, "refusing to start") {
			t.Errorf("init container output does not name the sha256 mismatch (got %s, want %s): %s", good, wrong, ie.output)
		}
		if downloads.Load() == before {
			t.Errorf("the init container failed without downloading: %v", ie)
		}
		local, _ := p.localPath(p.mounts, "/opt/rabbitmq-krm/plugins")
		if files, _ := filepath.Glob(filepath.Join(p.volumes["community-plugins"], "*")); len(files) > 0 {
			t.Errorf("the archive with the wrong sha256 was written: %v", files)
		}
		// The kubelet never starts the main container after a failed init container: no broker, no container log.
		if p.starts != 0 || p.running() {
			t.Errorf("broker started")
		}
		if _, err := os.Stat(p.logPath); err == nil {
			t.Errorf("a container log exists: %s", p.logPath)
		}
		t.Logf("negative control: init container %s exit %d: %s (nothing in %s, broker never started)", ie.container, ie.exitCode, strings.TrimSpace(ie.output), local)
	})
}

func lastLineWith(s, sub string) string {
	ls := strings.Split(s, "\n")
	for i := len(ls) - 1; i >= 0; i-- {
		if strings.Contains(ls[i], sub) {
			return ls[i]
		}
	}
	return ""
}

// ---------------------------------------------------------------- the default user's password, end to end

// credentialsEval prints default_user and default_pass (base64) as RabbitMQ's own config pipeline makes them of
// the conf.d files and the advanced config (the same function the broker calls at boot), or ERROR.
const credentialsEval = `
logger:set_primary_config(level, emergency),
[PluginsDir, Adv | Files] = init:get_plain_arguments(),
Ctx = #{plugins_path => PluginsDir, os_type => os:type()},
try rabbit_prelaunch_conf:generate_config_from_cuttlefish_files(Ctx, Files, case Adv of "-" -> undefined; _ -> Adv end) of
  Config when is_list(Config) ->
    R = proplists:get_value(rabbit, Config, []),
    B = fun(K) -> case proplists:get_value(K, R) of undefined -> "-"; V -> base64:encode_to_string(V) end end,
    io:format("OK ~s ~s~n", [B(default_user), B(default_pass)])
catch C:E -> io:format("ERROR ~0p~n", [{C, E}])
end,
halt(0).`

// brokerCredentials runs credentialsEval on a pod's conf.d files (as at boot) and advanced config.
func brokerCredentials(p *pod) (user, pass string, err error) {
	_, files := p.confFiles()
	adv := "-"
	if _, l, ok := p.advancedConfig(); ok {
		adv = l
	}
	plugins := filepath.Join(h.rmqHome, "plugins")
	cmd := exec.Command("erl", append([]string{"-noshell", "-noinput", "-boot", "start_clean", "-eval", credentialsEval, "-extra", plugins, adv}, files...)...)
	cmd.Env = append(baseEnv(), "ERL_LIBS="+plugins)
	out, err := cmd.CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if r, ok := strings.CutPrefix(l, "OK "); ok {
			f := strings.Fields(r)
			if len(f) != 2 {
				break
			}
			u, _ := base64.StdEncoding.DecodeString(f[0])
			pw, _ := base64.StdEncoding.DecodeString(f[1])
			return string(u), string(pw), nil
		}
		if strings.HasPrefix(l, "ERROR ") {
			return "", "", errors.New(l)
		}
	}
	return "", "", fmt.Errorf("erl: %v: %s", err, out)
}

// utf8Twice is s decoded as Latin-1 and encoded as UTF-8 again: what an Erlang file read as Latin-1 makes of a
// UTF-8 (or any non-ASCII) string inside <<"..."/utf8>>.
func utf8Twice(s string) string {
	r := make([]rune, 0, len(s))
	for _, c := range []byte(s) {
		r = append(r, rune(c))
	}
	return string(r)
}

// amqpLogin opens (and closes) an AMQP connection with SASL PLAIN user/pass: the exact bytes, no URL escaping.
func amqpLogin(ip string, port int, user, pass string) error {
	u := url.URL{Scheme: "amqp", Host: net.JoinHostPort(ip, strconv.Itoa(port)), Path: "/"}
	conn, err := amqp.DialConfig(u.String(), amqp.Config{SASL: []amqp.Authentication{&amqp.PlainAuth{Username: user, Password: pass}},
		Dial: amqp.DefaultDial(10 * time.Second)})
	if err == nil {
		conn.Close()
	}
	return err
}

func accessRefused(err error) bool {
	return err != nil && (errors.Is(err, amqp.ErrCredentials) || strings.Contains(err.Error(), "403"))
}

// loginResult: one username/password against one broker, over AMQP and the management API.
type loginResult struct {
	amqpErr  error
	httpCode int
	httpErr  error
	who      whoami
}

func (r loginResult) accepted(user string) bool {
	return r.amqpErr == nil && r.httpCode == http.StatusOK && r.who.Name == user && contains(r.who.tags(), "administrator")
}

func (r loginResult) refused() bool {
	return accessRefused(r.amqpErr) && r.httpCode == http.StatusUnauthorized
}

func (r loginResult) String() string {
	a := "AMQP OK"
	if r.amqpErr != nil {
		a = "AMQP " + r.amqpErr.Error()
	}
	return fmt.Sprintf("%s; HTTP %d %v (whoami name=%q tags=%v)", a, r.httpCode, r.httpErr, r.who.Name, r.who.tags())
}

// login tries user/pass over AMQP and the management API at the same time (RabbitMQ holds a refused AMQP
// connection for 3 s before closing it).
func login(ip string, amqpPort int, mgmt, user, pass string) loginResult {
	var r loginResult
	done := make(chan struct{})
	go func() { r.amqpErr = amqpLogin(ip, amqpPort, user, pass); close(done) }()
	r.who, r.httpCode, r.httpErr = mgmtWhoami(mgmt, user, pass, nil)
	<-done
	return r
}

// TestDefaultUserPassword: for every awkward username/password, one fresh pod of configs/default-user.yaml (blank
// data volume: RabbitMQ creates the default user on its first boot only) with the Secret holding exactly those
// bytes. The real setup init container writes conf.d/advanced.config; RabbitMQ's own config pipeline must read back
// exactly the Secret's username and password (offline), and the booted broker must accept exactly them over AMQP
// (SASL PLAIN) and the management API (basic auth), and refuse the truncated/mangled variants older renderings
// produced (negative controls). A Secret value's trailing newlines are dropped by the setup script's "$(...)": a
// Secret made with `echo pw > password` holds "pw\n", and the password is "pw".
func TestDefaultUserPassword(t *testing.T) {
	t.Parallel()
	rendered := h.render(t, "default-user")
	type pwCase struct {
		name       string
		user, pass string   // the Secret's values, byte for byte
		login      string   // the password a client must log in with ("" = pass)
		wrong      []string // passwords that must be refused
		wrongUsers []string // usernames that must be refused (with the right password)
	}
	backslashes := strings.NewReplacer(`\`, `\\`, `"`, `\"`) // the escaped form as written into advanced.config
	const nonASCII = `pässwörd"\ пароль 密码 🐇`
	cases := []pwCase{
		{name: "shell-and-printf-metacharacters", user: testUser, pass: testPassword, wrong: []string{testPassword + "x", "e2eSekr3tT0ken p@ss"}},
		{name: "percent-and-backslash-escapes", user: testUser, pass: `100%d \n \t \\ \x41 %%`,
			wrong: []string{`100%d \n \t \ \x41 %%`, backslashes.Replace(`100%d \n \t \\ \x41 %%`)}},
		{name: "hash", user: testUser, pass: "Tr0ub4dor#3", wrong: []string{"Tr0ub4dor"}},
		{name: "surrounding-spaces", user: testUser, pass: "  spaced  ", wrong: []string{"spaced", "  spaced", "spaced  "}},
		{name: "newline", user: testUser, pass: "line1\nline2", wrong: []string{"line1", "line1line2", "line1 line2"}},
		{name: "dollar-paren", user: testUser, pass: "pa$(ss)word", wrong: []string{"paword", "pa"}},
		{name: "quotes-backslashes-erlang-syntax", user: `adm"\in`, pass: `"\"\\ '%s' ~p~n "/utf8>>}]}]. <<"x">>`,
			wrong: []string{backslashes.Replace(`"\"\\ '%s' ~p~n "/utf8>>}]}]. <<"x">>`), `"`}, wrongUsers: []string{backslashes.Replace(`adm"\in`), "adm"}},
		{name: "non-ascii", user: testUser, pass: nonASCII, wrong: []string{utf8Twice(nonASCII), "pässwörd"}},
		{name: "not-utf8", user: testUser, pass: "ab\xff\xfe-latin1-\xe4", wrong: []string{utf8Twice("ab\xff\xfe-latin1-\xe4"), "ab"}},
		{name: "username-hash", user: "ops#team", pass: "s3cr#t", wrong: []string{"s3cr"}, wrongUsers: []string{"ops"}},
		{name: "trailing-newline-dropped", user: testUser, pass: "made-by-echo\n", login: "made-by-echo", wrong: []string{"made-by-echo\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // bounded by go test -parallel (GOMAXPROCS), shared with the other parallel tests
			if c.login == "" {
				c.login = c.pass
			}
			d := newTestDeploymentFrom(t, "default-user-"+c.name, rendered)
			secret := ""
			for _, v := range d.sts.Spec.Template.Spec.Volumes {
				if v.Secret != nil && len(v.Secret.Items) > 0 && v.Secret.Items[0].Key == "username" {
					secret = v.Secret.SecretName
				}
			}
			if secret == "" {
				t.Fatal("configs/default-user.yaml renders no default user Secret volume")
			}
			if err := d.setSecretData(secret, map[string][]byte{"username": []byte(c.user), "password": []byte(c.pass)}); err != nil {
				t.Fatal(err)
			}

			// Offline: the setup container's advanced.config, read by RabbitMQ's config pipeline.
			pp, _, _, err := d.previewConf()
			if err != nil {
				t.Fatalf("setup init container: %v", err)
			}
			advPath, advLocal, ok := pp.advancedConfig()
			if !ok || advPath != "/etc/rabbitmq/conf.d/advanced.config" {
				t.Fatalf("no advanced config from the setup container at RABBITMQ_ADVANCED_CONFIG_FILE=%q (%s)", pp.env["RABBITMQ_ADVANCED_CONFIG_FILE"], advPath)
			}
			if st, err := os.Stat(advLocal); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v (%v), want 0600", advPath, st.Mode().Perm(), err)
			}
			gotUser, gotPass, err := brokerCredentials(pp)
			if err != nil {
				t.Fatalf("RabbitMQ's config pipeline rejects conf.d + %s: %v", advPath, err)
			}
			if gotUser == c.user && gotPass == c.login {
				t.Logf("offline: RabbitMQ's config pipeline reads %s as user %q password %q: exactly the Secret's", advPath, gotUser, gotPass)
			} else {
				t.Errorf("offline: Secret user %q password %q -> RabbitMQ's config pipeline reads user %q password %q (% x) (see %s)", c.user, c.pass, gotUser, gotPass, gotPass, advLocal)
			}

			// Live: a fresh pod boots with the rendered env; its broker creates the default user.
			pod0 := d.ordinalNames()[0]
			timed(t, "default user "+c.name+": boot one pod", "", func() {
				if err := d.createPods(pod0); err != nil {
					t.Fatal(err)
				}
			})
			p := d.pods[pod0]
			// A throw-away pod: SIGKILL at the end (a graceful stop takes RabbitMQ 3.10 ~6 s; preStop is not under test).
			defer func() { p.kill(); delete(d.pods, pod0) }()
			if got := envValue(p.procEnv, "RABBITMQ_ADVANCED_CONFIG_FILE"); got != advLocalOf(p) {
				t.Errorf("the broker's RABBITMQ_ADVANCED_CONFIG_FILE=%s, want the pod's %s", got, advLocalOf(p))
			}
			if err := checkBannerConfigFiles(p); err != nil {
				t.Error(err)
			}
			ip := d.podIP(d.slots[pod0])
			port := d.amqpPort()
			mgmt := fmt.Sprintf("http://%s:%d", ip, mgmtPort(d, "management"))
			if err := waitHTTP(mgmt, nil, 30*time.Second); err != nil {
				t.Fatalf("management API on %s: %v", mgmt, err)
			}
			good := login(ip, port, mgmt, c.user, c.login)
			refusals := func() string {
				var out []string
				for _, l := range strings.Split(p.logSinceStart(), "\n") {
					if (strings.Contains(l, "login refused") || strings.Contains(l, "access denied")) && strings.Contains(l, "'"+c.user+"'") {
						out = append(out, strings.TrimSpace(l))
					}
				}
				if len(out) > 4 {
					out = out[len(out)-4:]
				}
				return strings.Join(out, "\n")
			}
			if !good.accepted(c.user) {
				t.Fatalf("Secret user %q password %q: login not accepted: %s\nRabbitMQ log (%s):\n%s", c.user, c.login, good, p.logPath, refusals())
			}
			t.Logf("user %q password %q: AMQP (SASL PLAIN) OK, GET %s/api/whoami: name=%q tags=%v", c.user, c.login, mgmt, good.who.Name, good.who.tags())
			// Negative controls: truncated/mangled variants, and the wrong user, are refused by the broker (all at
			// once: each refused AMQP login takes RabbitMQ's 3 s close delay).
			type attempt struct{ user, pass, what string }
			var attempts []attempt
			for _, w := range c.wrong {
				attempts = append(attempts, attempt{c.user, w, fmt.Sprintf("wrong password %q", w)})
			}
			for _, u := range c.wrongUsers {
				attempts = append(attempts, attempt{u, c.login, fmt.Sprintf("wrong user %q with the right password", u)})
			}
			results := make([]loginResult, len(attempts))
			var wg sync.WaitGroup
			for i, a := range attempts {
				wg.Add(1)
				go func() { defer wg.Done(); results[i] = login(ip, port, mgmt, a.user, a.pass) }()
			}
			wg.Wait()
			for i, a := range attempts {
				if r := results[i]; !r.refused() {
					t.Errorf("%s: want AMQP ACCESS_REFUSED and HTTP 401, got %s", a.what, r)
				} else {
					t.Logf("%s: refused (AMQP %v; HTTP %d)", a.what, r.amqpErr, r.httpCode)
				}
			}
		})
	}
}

func advLocalOf(p *pod) string {
	_, l, _ := p.advancedConfig()
	return l
}
