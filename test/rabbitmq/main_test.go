//go:build e2e

package rabbitmq

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Knobs (environment):
//
//	RABBITMQ_KRM_BIN       the function binary (default: <repo>/bin/rabbitmq-krm, built by `make build`)
//	RABBITMQ_E2E_MANIFESTS=testdata  use the hand-written manifests in testdata/ instead of rendering
//	RABBITMQ_E2E_WORKDIR   work dir (default ~/.cache/rabbitmq-krm/rabbitmq/run; wiped at start, kept after)
//	RABBITMQ_E2E_EPMD_PORT private epmd port (default 4391); RABBITMQ_E2E_DIST_BASE (default 25700)
//	RABBITMQ_E2E_CONFIGS   comma-separated config names (without .yaml) to run the cluster scenarios on
var h *harness

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		h, err = setup()
		if err != nil {
			fmt.Fprintln(os.Stderr, "test/rabbitmq setup:", err)
			return 1
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		go func() {
			s := <-sig
			fmt.Fprintf(os.Stderr, "\ntest/rabbitmq: %v: stopping our processes by PID\n", s)
			h.stopAll()
			os.Exit(130)
		}()
		t0 := time.Now()
		code := m.Run()
		h.stopAll()
		h.summary(time.Since(t0))
		return code
	}()
	os.Exit(code)
}

func setup() (*harness, error) {
	for _, bin := range []string{filepath.Join(rmqBin, "rabbitmq-server"), filepath.Join(rmqBin, "rabbitmqctl")} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s missing: run test/rabbitmq/install.sh (make test-rabbitmq does)", bin)
		}
	}
	for _, tool := range []string{"erl", "erlc", "epmd", "etcd"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found: run test/rabbitmq/install.sh", tool)
		}
	}
	homes, _ := filepath.Glob("/usr/lib/rabbitmq/lib/rabbitmq_server-*")
	if len(homes) == 0 {
		return nil, fmt.Errorf("no /usr/lib/rabbitmq/lib/rabbitmq_server-*")
	}
	sort.Strings(homes)
	hs := &harness{pids: map[int]string{}, rmqHome: homes[len(homes)-1]}
	hs.rmqVer = strings.TrimPrefix(filepath.Base(hs.rmqHome), "rabbitmq_server-")

	hs.work = os.Getenv("RABBITMQ_E2E_WORKDIR")
	if hs.work == "" {
		// Under /tmp: the pods run as their securityContext uid (999), which cannot traverse /root.
		hs.work = "/tmp/rabbitmq-krm-e2e"
		if os.Geteuid() != 0 {
			home, _ := os.UserHomeDir()
			hs.work = filepath.Join(home, ".cache", "rabbitmq-krm", "rabbitmq", "run")
		}
	}
	hs.work, _ = filepath.Abs(hs.work)
	killLeftovers(hs.work)
	if entries, err := os.ReadDir(hs.work); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(hs.work, ".rabbitmq-e2e")); err != nil {
			return nil, fmt.Errorf("refusing to wipe non-empty %s (no .rabbitmq-e2e marker)", hs.work)
		}
		if err := os.RemoveAll(hs.work); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(hs.work, 0o755); err != nil {
		return nil, err
	}
	_ = os.WriteFile(filepath.Join(hs.work, ".rabbitmq-e2e"), nil, 0o644)

	hs.ebin = filepath.Join(hs.work, "ebin")
	_ = os.MkdirAll(hs.ebin, 0o755)
	if out, err := exec.Command("erlc", "-o", hs.ebin, "erl/e2e_pod_epmd.erl").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("erlc e2e_pod_epmd.erl: %v: %s", err, out)
	}

	hs.epmdPort = envInt("RABBITMQ_E2E_EPMD_PORT", 4391)
	hs.distBase = envInt("RABBITMQ_E2E_DIST_BASE", 25700)
	if err := portFree(fmt.Sprintf("127.0.0.1:%d", hs.epmdPort)); err != nil {
		return nil, fmt.Errorf("epmd port %d busy (set RABBITMQ_E2E_EPMD_PORT): %v", hs.epmdPort, err)
	}
	// Our own epmd, in the foreground so that we own its PID (REPORT G2): CLI tools register here.
	epmd, err := hs.startDaemon("epmd", filepath.Join(hs.work, "epmd.log"), baseEnv(),
		"epmd", "-port", strconv.Itoa(hs.epmdPort), "-address", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond)
	if syscall.Kill(epmd.Process.Pid, 0) != nil {
		return nil, fmt.Errorf("epmd did not start, see %s/epmd.log", hs.work)
	}
	hs.writePids()

	hs.manifests = os.Getenv("RABBITMQ_E2E_MANIFESTS")
	hs.krmBin = os.Getenv("RABBITMQ_KRM_BIN")
	if hs.krmBin == "" {
		hs.krmBin = "../../bin/rabbitmq-krm"
	}
	hs.krmBin, _ = filepath.Abs(hs.krmBin)
	fmt.Printf("test/rabbitmq: RabbitMQ %s (%s), work dir %s, epmd 127.0.0.1:%d pid %d, manifests: %s\n",
		hs.rmqVer, hs.rmqHome, hs.work, hs.epmdPort, epmd.Process.Pid, map[bool]string{true: "pre-rendered files in " + hs.manifests + "/", false: "rendered by " + hs.krmBin}[hs.manifests != ""])
	return hs, nil
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

// writePids records our PIDs so that a later run can stop leftovers of an interrupted run (by PID, after checking
// that the process really belongs to this work dir).
func (h *harness) writePids() {
	h.mu.Lock()
	var b strings.Builder
	for p, w := range h.pids {
		fmt.Fprintf(&b, "%d %s\n", p, w)
	}
	h.mu.Unlock()
	_ = os.WriteFile(filepath.Join(h.work, "pids"), []byte(b.String()), 0o644)
}

func killLeftovers(work string) {
	b, err := os.ReadFile(filepath.Join(work, "pids"))
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if bytes.Contains(cmdline, []byte(work)) || bytes.Contains(environ, []byte(work)) {
			fmt.Fprintf(os.Stderr, "test/rabbitmq: stopping leftover pid %d (%s) of a previous run\n", pid, strings.Join(f[1:], " "))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func (h *harness) summary(total time.Duration) {
	var b strings.Builder
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&b, "\n================ test/rabbitmq summary (RabbitMQ %s, load avg now %s)\n", h.rmqVer, strings.Join(strings.Fields(string(load))[:3], " "))
	for _, t := range h.timings {
		fmt.Fprintf(&b, "  %-66s %7.2fs  %s\n", t.name, t.d.Seconds(), t.note)
	}
	fmt.Fprintf(&b, "  %-66s %7.1fs\n", "TOTAL (go test process)", total.Seconds())
	fmt.Fprintf(&b, "  container restarts after boot crashes (kubelet-style, max %d per pod and wait): %d\n", maxRestarts, len(h.restarts))
	for _, r := range h.restarts {
		fmt.Fprintf(&b, "    - %s\n", r)
	}
	fmt.Fprintf(&b, "  logs and per-pod dirs: %s\n", h.work)
	fmt.Print(b.String())
	_ = os.WriteFile(filepath.Join(h.work, "summary.txt"), []byte(b.String()), 0o644)
}

// render returns the manifests for configs/<name>.yaml: `rabbitmq-krm render`, or testdata/<name>.yaml.
func (h *harness) render(t *testing.T, name string) []byte {
	t.Helper()
	if h.manifests != "" {
		b, err := os.ReadFile(filepath.Join(h.manifests, name+".yaml"))
		if os.IsNotExist(err) {
			t.Skipf("RABBITMQ_E2E_MANIFESTS=%s has no %s.yaml", h.manifests, name)
		}
		if err != nil {
			t.Fatalf("RABBITMQ_E2E_MANIFESTS=%s: %v", h.manifests, err)
		}
		return b
	}
	cfg, _ := filepath.Abs(filepath.Join("configs", name+".yaml"))
	return h.renderFile(t, cfg)
}

// renderFile runs `rabbitmq-krm render <config>` (a config written by the test at run time, or configs/*.yaml).
func (h *harness) renderFile(t *testing.T, cfg string) []byte {
	t.Helper()
	if h.manifests != "" {
		t.Skipf("RABBITMQ_E2E_MANIFESTS=%s: this scenario renders a config written at run time", h.manifests)
	}
	if _, err := os.Stat(h.krmBin); err != nil {
		t.Fatalf("%s not found: run `make build` (or set RABBITMQ_KRM_BIN, or RABBITMQ_E2E_MANIFESTS=testdata for the hand-written manifests)", h.krmBin)
	}
	cmd := exec.Command(h.krmBin, "render", cfg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s render %s: %v\n%s", h.krmBin, cfg, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("render %s stderr: %s", filepath.Base(cfg), strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes()
}

// scenarioConfigs are the configs/*.yaml that belong to one feature test (which renders, boots and checks them
// itself); the generic TestConfigAcceptance/TestCluster loops leave them out.
var scenarioConfigs = map[string]string{
	"tls":              "TestTLS",
	"community-plugin": "TestCommunityPlugin (a template: the test fills in its download URL and sha256)",
	"default-user":     "TestDefaultUserPassword (one fresh pod per awkward username/password)",
}

// configNames lists configs/*.yaml (without extension), filtered by RABBITMQ_E2E_CONFIGS.
func configNames(t *testing.T) []string {
	files, _ := filepath.Glob("configs/*.yaml")
	var names []string
	filter := map[string]bool{}
	for _, f := range strings.Split(os.Getenv("RABBITMQ_E2E_CONFIGS"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			filter[f] = true
		}
	}
	for _, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if _, own := scenarioConfigs[n]; own {
			continue
		}
		if len(filter) == 0 || filter[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatal("no configs under test/rabbitmq/configs match")
	}
	return names
}

var imageVersion = regexp.MustCompile(`:(\d+)\.(\d+)`)

// checkVersion: the rendered image must be the RabbitMQ minor this host runs (3.10 on Debian 12).
func checkVersion(t *testing.T, d *deployment) {
	img := d.mainContainer().Image
	m := imageVersion.FindStringSubmatch(img)
	hv := strings.Split(h.rmqVer, ".")
	if m == nil || len(hv) < 2 || m[1] != hv[0] || m[2] != hv[1] {
		t.Fatalf("rendered image %q is not RabbitMQ %s.%s (the broker on this host)", img, hv[0], hv[1])
	}
}
