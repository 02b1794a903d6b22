//go:build e2e

package rabbitmq

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

const (
	drillQueue = "myqueue" // the article's queue
	drillMsgs  = 1000
)

// Each deployment gets its own block of loopback IPs: 127.0.0.<base>.. (pods, 10 per block) and with it its own
// dist ports, so that deployments of parallel tests never share an address.
var (
	ipBaseMu   sync.Mutex
	nextIPBase = 40
)

func allocIPBase() int {
	ipBaseMu.Lock()
	defer ipBaseMu.Unlock()
	b := nextIPBase
	nextIPBase += 10
	if nextIPBase > 240 {
		nextIPBase = 40
	}
	return b
}

func newTestDeployment(t *testing.T, config, suffix string, extraPods ...string) *deployment {
	t.Helper()
	return newTestDeploymentFrom(t, config+suffix, h.render(t, config), extraPods...)
}

// newTestDeploymentFrom "applies" rendered manifests as case <name>; the pods are deleted at the end of the test.
func newTestDeploymentFrom(t *testing.T, name string, rendered []byte, extraPods ...string) *deployment {
	t.Helper()
	d, err := newDeployment(t, h, name, rendered, allocIPBase(), extraPods...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkVersion(t, d)
	t.Cleanup(d.teardown)
	return d
}

func timed(t *testing.T, name, note string, f func()) time.Duration {
	t.Helper()
	t0 := time.Now()
	f()
	dt := time.Since(t0)
	t.Logf("TIMING %s: %.2fs %s", name, dt.Seconds(), note)
	h.record(name, dt, note)
	return dt
}

func backend(conf string) string {
	return confKeys(conf)["cluster_formation.peer_discovery_backend"]
}

// bootable: discovery backends that work on a laptop (classic_config, etcd with our etcd). k8s and dns need the
// Kubernetes API / cluster DNS: those configs are validated offline only (same cuttlefish pipeline as a boot).
func bootable(conf string) bool {
	switch backend(conf) {
	case "", "classic_config", "rabbit_peer_discovery_classic_config", "etcd", "rabbit_peer_discovery_etcd":
		return true
	}
	return false
}

func isEtcd(conf string) bool { return strings.Contains(backend(conf), "etcd") }

func withEtcd(t *testing.T, d *deployment, conf string) string {
	t.Helper()
	if !isEtcd(conf) {
		return ""
	}
	eps := etcdEndpoints(conf)
	if len(eps) == 0 {
		t.Fatal("etcd discovery without cluster_formation.etcd.endpoints.N in the rendered rabbitmq.conf")
	}
	cmd, err := startEtcd(h, d.dir, eps[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopDaemon(h, cmd) })
	d.logf("etcd (Debian etcd-server) pid %d on %s", cmd.Process.Pid, eps[0])
	return eps[0]
}

// ---------------------------------------------------------------- scenario 1: config acceptance

// enabledPlugins parses enabled_plugins ("[a,b,c]." Erlang term).
func enabledPlugins(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".")
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.Trim(strings.TrimSpace(p), "'"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// missingPlugins: names in enabled_plugins that the installed broker does not ship (RabbitMQ ignores them silently).
func missingPlugins(names []string) []string {
	entries, _ := os.ReadDir(filepath.Join(h.rmqHome, "plugins"))
	var missing []string
	for _, n := range names {
		found := false
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), n+"-")
			if ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, n)
		}
	}
	return missing
}

const validatorEval = `
logger:set_primary_config(level, warning),
logger:update_handler_config(default, #{filter_default => log, filters => [],
    formatter => {logger_formatter, #{single_line => true, template => [level, ": ", msg, "\n"]}}}),
[PluginsDir | Args] = init:get_plain_arguments(),
{AdvFiles, Files} = lists:partition(fun(F) -> filename:extension(F) =:= ".config" end, Args),
Adv = case AdvFiles of [] -> undefined; [A] -> A end,
Ctx = #{plugins_path => PluginsDir, os_type => os:type()},
R = try rabbit_prelaunch_conf:generate_config_from_cuttlefish_files(Ctx, Files, Adv) of
      Config when is_list(Config) ->
        CF = proplists:get_value(cluster_formation, proplists:get_value(rabbit, Config, []), []),
        case proplists:get_value(peer_discovery_backend, CF) of
          undefined -> io:format("VALID~n"), 0;
          Mod -> case code:which(Mod) of
                   non_existing -> io:format("INVALID: peer_discovery_backend module ~p does not exist~n", [Mod]), 1;
                   _ -> io:format("VALID (backend ~p)~n", [Mod]), 0
                 end
        end
    catch C:E -> timer:sleep(200), io:format("INVALID: ~p:~p~n", [C, E]), 1
    end,
timer:sleep(100),
halt(R).`

// validateConf runs the broker's own configuration pipeline (rabbit_prelaunch_conf, cuttlefish with the schemas of
// every plugin shipped) on the files, without booting: ~1-3 s. A file named *.config is the advanced config
// (Erlang terms, overlaid on the cuttlefish result, as RABBITMQ_ADVANCED_CONFIG_FILE is at boot).
func validateConf(files ...string) (bool, string) {
	plugins := filepath.Join(h.rmqHome, "plugins")
	args := append([]string{"-noshell", "-noinput", "-boot", "start_clean", "-eval", validatorEval, "-extra", plugins}, files...)
	cmd := exec.Command("erl", args...)
	cmd.Env = append(baseEnv(), "ERL_LIBS="+plugins)
	out, err := cmd.CombinedOutput()
	return err == nil && strings.Contains(string(out), "VALID") && !strings.Contains(string(out), "INVALID"), string(out)
}

func startedPlugins(log string) []string {
	i := strings.LastIndex(log, "plugins started.")
	if i < 0 {
		return nil
	}
	var out []string
	for _, l := range strings.Split(log[i:], "\n")[1:] {
		l = strings.TrimSpace(l)
		j := strings.Index(l, " * ")
		if j < 0 {
			if len(out) > 0 {
				break
			}
			continue
		}
		out = append(out, strings.TrimSpace(l[j+3:]))
	}
	return out
}

func TestConfigAcceptance(t *testing.T) {
	for _, name := range configNames(t) {
		t.Run(name, func(t *testing.T) {
			d := newTestDeployment(t, name, "-accept")
			// The config as the init containers write it (conf.d is an emptyDir filled by the setup container).
			pp, conf, pluginsFile, err := d.previewConf()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d.dir, "rendered-rabbitmq.conf"), []byte(pp.localizeConf(conf)), 0o644); err != nil {
				t.Fatal(err)
			}
			// Plugins: every name must exist in the installed broker (unknown names are silently ignored).
			pl := enabledPlugins(pluginsFile)
			if len(pl) == 0 {
				t.Errorf("enabled_plugins is empty or unparsable: %q", pluginsFile)
			}
			if miss := missingPlugins(pl); len(miss) > 0 {
				t.Errorf("enabled_plugins names plugins that RabbitMQ %s does not have (they would be ignored silently): %v", h.rmqVer, miss)
			}
			// Offline: the broker's own config pipeline.
			files := []string{filepath.Join(d.dir, "rendered-rabbitmq.conf")}
			if cpath, local, ok := pp.advancedConfig(); ok {
				// spec.defaultUser: the setup container's advanced.config, overlaid as at boot.
				files = append(files, local)
				t.Logf("offline validation includes %s (written by the setup container)", cpath)
			}
			var ok bool
			var out string
			timed(t, name+": 1 offline config validation (cuttlefish)", "", func() {
				ok, out = validateConf(files...)
			})
			if !ok {
				t.Fatalf("rendered rabbitmq.conf rejected by RabbitMQ %s:\n%s", h.rmqVer, out)
			}
			t.Logf("offline validation: %s", strings.TrimSpace(out))
			if !bootable(conf) {
				t.Logf("backend %q needs the Kubernetes API or cluster DNS: validated offline only (no boot)", backend(conf))
				return
			}
			// Real boot of pod 0 alone, with the rendered env, volumes and config.
			withEtcd(t, d, conf)
			pod0 := d.ordinalNames()[0]
			timed(t, name+": 1 boot one pod (pod 0 alone)", "", func() {
				if err := d.createPods(pod0); err != nil {
					t.Fatal(err)
				}
			})
			log := d.pods[pod0].logSinceStart()
			started := startedPlugins(log)
			sort.Strings(started)
			t.Logf("plugins started: %v", started)
			for _, p := range pl {
				if !contains(started, p) {
					t.Errorf("plugin %s is in enabled_plugins but was not started (started: %v)", p, started)
				}
			}
			for _, l := range strings.Split(log, "\n") {
				if strings.Contains(l, "[warning]") && (strings.Contains(l, "deprecat") || strings.Contains(l, "config")) {
					t.Logf("boot warning: %s", firstLine(l))
				}
			}
			d.deletePods(pod0)
		})
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// Negative controls: the acceptance checks above CAN fail.
func TestConfigAcceptanceNegativeControls(t *testing.T) {
	name := "classic-nfs"
	d := newTestDeployment(t, name, "-negative")
	conf, _, err := d.renderedConf()
	if err != nil {
		t.Fatal(err)
	}
	const good, typo = "cluster_formation.peer_discovery_backend", "cluster_formation.peer_discovery_backnd"
	if !strings.Contains(conf, good) {
		t.Fatalf("rendered config has no %s line to mistype", good)
	}
	// Mistype one key in the ConfigMap, exactly as if the renderer had produced it.
	mutated := 0
	for _, cm := range d.configMaps {
		for k, v := range cm.Data {
			if strings.Contains(v, good) {
				cm.Data[k] = strings.Replace(v, good, typo, 1)
				mutated++
			}
		}
	}
	if mutated != 1 {
		t.Fatalf("mutated %d ConfigMap entries, want 1", mutated)
	}
	bad, _, _ := d.renderedConf()
	f := filepath.Join(d.dir, "mistyped-rabbitmq.conf")
	_ = os.WriteFile(f, []byte(bad), 0o644)
	if ok, out := validateConf(f); ok || !strings.Contains(out, typo) {
		t.Errorf("offline validation accepted a mistyped key (ok=%v):\n%s", ok, out)
	} else {
		t.Logf("offline validation rejects the typo, as it must: %s", firstLine(out))
	}
	// The advanced config (spec.defaultUser writes one) is part of the offline validation, and can fail it too.
	goodConf := filepath.Join(d.dir, "good-rabbitmq.conf")
	_ = os.WriteFile(goodConf, []byte(conf), 0o644)
	for _, adv := range []struct{ name, text string }{
		{"good-advanced.config", `[{rabbit, [{default_user, <<"u">>}, {default_pass, <<"p\\\"#">>}]}].` + "\n"},
		{"unterminated-advanced.config", `[{rabbit, [{default_user, <<"u">>}, {default_pass, <<"p\">>}]}].` + "\n"},
	} {
		af := filepath.Join(d.dir, adv.name)
		_ = os.WriteFile(af, []byte(adv.text), 0o600)
		ok, out := validateConf(goodConf, af)
		if want := adv.name == "good-advanced.config"; ok != want {
			t.Errorf("offline validation of %s (%s): valid=%v, want %v:\n%s", adv.name, strings.TrimSpace(adv.text), ok, want, out)
		} else {
			t.Logf("offline validation with %s: valid=%v, as it must (%s)", adv.name, ok, firstLine(out))
		}
	}
	// A real boot must fail (BOOT FAILED, non-zero exit) and name the key.
	p, err := d.newPod(d.ordinalNames()[0])
	if err != nil {
		t.Fatal(err)
	}
	d.pods[p.name] = p
	if err := p.runInitContainers(); err != nil {
		t.Fatal(err)
	}
	if err := p.prepareMain(); err != nil {
		t.Fatal(err)
	}
	timed(t, "negative control: boot with a mistyped key fails", "", func() {
		if err := p.startContainer(); err != nil {
			t.Fatal(err)
		}
		res := p.waitStarted(time.Now().Add(2 * time.Minute))
		log := p.logSinceStart()
		if res != bootCrashed || !strings.Contains(log, "You've tried to set "+typo) {
			t.Errorf("boot with %s: result %v (want crash) exit %d; log %s", typo, res, p.exitCode, p.logPath)
		} else {
			t.Logf("boot failed as it must (exit %d): %s", p.exitCode, firstLine(lastErrorLine(p.crashReason())))
		}
	})
	// enabled_plugins check: a misspelled plugin is caught.
	if miss := missingPlugins([]string{"rabbitmq_management", "rabbitmq_managment", "rabbitmq_peer_discovery_k8z"}); len(miss) != 2 {
		t.Errorf("plugin existence check missed a typo: %v", miss)
	} else {
		t.Logf("plugin existence check flags %v", miss)
	}
}

// ---------------------------------------------------------------- scenarios 2-4: cluster, drill, full restart

func TestCluster(t *testing.T) {
	for _, name := range configNames(t) {
		t.Run(name, func(t *testing.T) { clusterScenarios(t, name) })
	}
}

func clusterScenarios(t *testing.T, name string) {
	rendered := h.render(t, name)
	probe, err := newDeployment(t, h, name+"-probe", rendered, 250)
	if err != nil {
		t.Fatal(err)
	}
	conf, _, err := probe.renderedConf()
	if err != nil {
		t.Fatal(err)
	}
	_ = os.RemoveAll(probe.dir)
	if !bootable(conf) {
		t.Skipf("backend %q needs the Kubernetes API: covered offline by TestConfigAcceptance", backend(conf))
	}
	stsName := probe.sts.Name
	renamed := stsName + "-renamed-0"
	d := newTestDeployment(t, name, "-cluster", renamed)
	ep := withEtcd(t, d, conf)
	pods := d.ordinalNames()
	var want []string
	for _, p := range pods {
		want = append(want, d.nodeName(p))
	}
	sort.Strings(want)
	if d.sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("podManagementPolicy is %q: a full restart can deadlock with OrderedReady (DESIGN.md)", d.sts.Spec.PodManagementPolicy)
	}

	checkCluster := func(t *testing.T, via string) {
		t.Helper()
		var cs *clusterStatus
		var err error
		for i := 0; i < 10; i++ { // running_nodes can lag a moment after the last boot
			if cs, err = d.clusterStatus(via); err == nil && equal(cs.Nodes, want) && equal(cs.RunningNodes, want) {
				break
			}
			time.Sleep(3 * time.Second)
		}
		if err != nil {
			t.Fatalf("cluster_status: %v", err)
		}
		t.Logf("cluster_status via %s: nodes=%v running_nodes=%v partitions=%s", via, cs.Nodes, cs.RunningNodes, cs.Partitions)
		if !equal(cs.Nodes, want) || !equal(cs.RunningNodes, want) {
			t.Fatalf("cluster_status: nodes=%v running_nodes=%v, want both %v", cs.Nodes, cs.RunningNodes, want)
		}
		if !partitionsEmpty(cs.Partitions) {
			t.Fatalf("cluster_status: partitions %s", cs.Partitions)
		}
	}

	// ---- scenario 2: cluster formation
	ok := t.Run("2-formation", func(t *testing.T) {
		timed(t, name+": 2 form cluster ("+backend(conf)+", "+fmt.Sprint(len(pods))+" pods, "+string(d.sts.Spec.PodManagementPolicy)+")", "", func() {
			if err := d.createPods(pods...); err != nil {
				t.Fatal(err)
			}
		})
		checkCluster(t, pods[0])
		var rss []string
		for _, p := range pods {
			rss = append(rss, fmt.Sprintf("%s=%dMiB", p, rssMiB(d.pods[p])))
		}
		t.Logf("RSS after boot: %s", strings.Join(rss, " "))
		if ep != "" {
			keys, err := etcdKeys(ep)
			if err != nil {
				t.Fatalf("etcd keys: %v", err)
			}
			t.Logf("etcd keys: %v", keys)
			for _, n := range want {
				if !anyContains(keys, n) {
					t.Errorf("node %s did not register in etcd (keys %v)", n, keys)
				}
			}
		}
		checkDataDirs(t, d, pods)
	})
	if !ok {
		return
	}
	// Features of the rendered pod on the formed cluster (features_test.go): spec.defaultUser, the startup probe.
	if user, _ := d.credentials(); user != "guest" {
		t.Run("2-default-user", func(t *testing.T) { checkDefaultUser(t, d, pods) })
	}
	if d.mainContainer().StartupProbe != nil {
		t.Run("2-startup-probe", func(t *testing.T) { checkStartupProbe(t, d, pods) })
	}

	// ---- scenario 3: the article's drill
	ok = t.Run("3-drill", func(t *testing.T) {
		timed(t, name+": 3 publish 1000 persistent msgs with confirms", "", func() {
			if err := publishConfirmed(d.amqpURL(pods[0]), drillQueue, drillMsgs); err != nil {
				t.Fatal(err)
			}
		})
		expectCount(t, d, pods[len(pods)-1], drillMsgs)
		timed(t, name+": 3 delete all pods (preStop + SIGTERM, at once)", "", func() { d.deletePods(pods...) })

		// Negative control: a pod under another name gets another MNESIA_BASE and starts blank.
		timed(t, name+": 3 negative control: renamed pod starts blank", "", func() {
			if err := d.createPods(renamed); err != nil {
				t.Fatal(err)
			}
			rp := d.pods[renamed]
			if !strings.HasSuffix(rp.env["RABBITMQ_MNESIA_BASE"], "/"+renamed) {
				t.Errorf("renamed pod: RABBITMQ_MNESIA_BASE=%s", rp.env["RABBITMQ_MNESIA_BASE"])
			}
			_, exists, err := queueMessages(d.amqpURL(renamed), drillQueue)
			if err != nil {
				t.Fatal(err)
			}
			if exists {
				t.Errorf("pod %s (other MY_POD_NAME -> other MNESIA_BASE) sees queue %s: it did not start blank", renamed, drillQueue)
			} else {
				t.Logf("pod %s started blank: queue %s does not exist there (MNESIA_BASE %s)", renamed, drillQueue, rp.env["RABBITMQ_MNESIA_BASE"])
			}
			if cs, err := d.clusterStatus(renamed); err == nil {
				t.Logf("renamed pod's cluster: nodes=%v", cs.Nodes)
				if len(cs.Nodes) != 1 {
					t.Errorf("renamed pod joined other nodes: %v", cs.Nodes)
				}
			}
			d.deletePods(renamed)
		})

		timed(t, name+": 3 recreate all pods with the same names (boot)", "", func() {
			if err := d.createPods(pods...); err != nil {
				t.Fatal(err)
			}
		})
		checkCluster(t, pods[1])
		expectCount(t, d, pods[2%len(pods)], drillMsgs)
		timed(t, name+": 3 consume and count", "", func() { consumeExactly(t, d, pods[1%len(pods)], drillMsgs) })
	})
	if !ok {
		return
	}

	// ---- scenario 4: full-cluster restart, all pods at once, no force_boot
	t.Run("4-full-restart", func(t *testing.T) {
		if err := publishConfirmed(d.amqpURL(pods[0]), drillQueue, drillMsgs); err != nil {
			t.Fatal(err)
		}
		// Stop one by one in ordinal order (as a node drain would): the LAST pod to stop holds the newest
		// Mnesia view, which is the situation where an ordered start (pod 0 first) deadlocks.
		timed(t, name+": 4 stop pods one by one (0..n-1)", "", func() {
			for _, p := range pods {
				d.deletePods(p)
			}
		})
		timed(t, name+": 4 start all pods at once after ordered stop", "", func() {
			if err := d.createPods(pods...); err != nil {
				t.Fatal(err)
			}
		})
		checkCluster(t, pods[0])
		expectCount(t, d, pods[0], drillMsgs)
		checkNoForceBoot(t, d, pods)

		// Crash of the whole cluster (SIGKILL, no preStop, no graceful stop), then all pods at once.
		timed(t, name+": 4 SIGKILL all pods, start all at once", "", func() {
			for _, p := range pods {
				d.pods[p].kill()
			}
			for _, p := range pods {
				delete(d.pods, p)
			}
			if err := d.createPods(pods...); err != nil {
				t.Fatal(err)
			}
		})
		checkCluster(t, pods[2%len(pods)])
		expectCount(t, d, pods[1%len(pods)], drillMsgs)
		checkNoForceBoot(t, d, pods)
		consumeExactly(t, d, pods[0], drillMsgs)
	})
}

func equal(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

func anyContains(l []string, s string) bool {
	for _, x := range l {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func rssMiB(p *pod) int {
	if p == nil || p.cmd == nil {
		return 0
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb int
			fmt.Sscan(f[1], &kb)
			return kb / 1024
		}
	}
	return 0
}

// checkDataDirs: every pod keeps its node data under its own MNESIA_BASE (on the shared volume for NFS mode).
func checkDataDirs(t *testing.T, d *deployment, pods []string) {
	t.Helper()
	for _, n := range pods {
		p := d.pods[n]
		local := p.processEnv(p.mounts, p.env)["RABBITMQ_MNESIA_BASE"]
		nodeDir := filepath.Join(local, d.nodeName(n))
		if st, err := os.Stat(nodeDir); err != nil || !st.IsDir() {
			t.Errorf("pod %s: no node data dir %s", n, nodeDir)
		}
		t.Logf("pod %s: MNESIA_BASE %s -> %s", n, p.env["RABBITMQ_MNESIA_BASE"], strings.TrimPrefix(local, d.dir+"/"))
	}
	// The Erlang cookie must never land on a persistent volume (DESIGN.md): scan every PVC dir.
	vols, _ := filepath.Glob(filepath.Join(d.dir, "volumes", "*"))
	for _, v := range vols {
		_ = filepath.Walk(v, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || info.Size() > 1<<20 {
				return nil
			}
			if b, _ := os.ReadFile(path); d.cookie != "" && strings.Contains(string(b), d.cookie) {
				t.Errorf("the Erlang cookie is on a persistent volume: %s", path)
			}
			return nil
		})
	}
}

func checkNoForceBoot(t *testing.T, d *deployment, pods []string) {
	t.Helper()
	for _, n := range pods {
		p := d.pods[n]
		local := p.processEnv(p.mounts, p.env)["RABBITMQ_MNESIA_BASE"]
		if _, err := os.Stat(filepath.Join(local, d.nodeName(n), "force_load")); err == nil {
			t.Errorf("pod %s: force_load marker present (force_boot was needed)", n)
		}
		if strings.Contains(p.logSinceStart(), "force_boot") || strings.Contains(p.logSinceStart(), "forced boot") {
			t.Errorf("pod %s: log mentions force_boot", n)
		}
	}
}

func expectCount(t *testing.T, d *deployment, via string, want int) {
	t.Helper()
	var n int
	var exists bool
	var err error
	for i := 0; i < 20; i++ {
		n, exists, err = queueMessages(d.amqpURL(via), drillQueue)
		if err == nil && exists && n == want {
			t.Logf("queue %s has %d messages (read via %s)", drillQueue, n, via)
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("queue %s via %s: exists=%v messages=%d err=%v, want %d", drillQueue, via, exists, n, err, want)
}

func consumeExactly(t *testing.T, d *deployment, via string, want int) {
	t.Helper()
	got, err := consumeAll(d.amqpURL(via), drillQueue, 3*time.Second)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	seen := map[string]bool{}
	for _, b := range got {
		seen[b] = true
	}
	missing := 0
	for i := 0; i < want; i++ {
		if !seen[fmt.Sprintf("msg-%06d", i)] {
			missing++
		}
	}
	if len(got) != want || len(seen) != want || missing != 0 {
		t.Fatalf("consumed %d messages (%d distinct, %d of msg-000000..%06d missing), want exactly %d", len(got), len(seen), missing, want-1, want)
	}
	t.Logf("consumed exactly %d distinct messages msg-000000..msg-%06d via %s", len(got), want-1, via)
	if n, _, err := queueMessages(d.amqpURL(via), drillQueue); err != nil || n != 0 {
		t.Errorf("queue not empty after consuming: %d (%v)", n, err)
	}
}
