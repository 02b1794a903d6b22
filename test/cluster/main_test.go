//go:build e2e

package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The suite's environment, set by run-tests.sh from `node.sh env` and the Makefile.
var (
	krmBin   = os.Getenv("RABBITMQ_KRM_BIN") // the binary under test (make build)
	runDir   = os.Getenv("RK_CLUSTER_RUN")   // node.sh's run dir; PVs and case files go below it
	nodeName = os.Getenv("RK_NODE_NAME")
	summary  = os.Getenv("RK_SUMMARY_FILE") // one line per case + "N passed, M failed" (run-tests.sh prints it last)
)

type caseResult struct {
	name   string
	passed bool
	took   time.Duration
	note   string
}

var (
	resultsMu sync.Mutex
	results   []caseResult
)

// runCase runs one case as a subtest and records it for the summary; note() lines (timings) go with it.
func runCase(t *testing.T, name string, f func(t *testing.T, note func(string, ...any))) {
	t.Run(name, caseBody(name, false, f))
}

// inParallel runs f as a subtest beside the other parallel subtests of t (go test -parallel caps how many):
// a group of steps that share one deployment, as runStep cases, one after the other.
func inParallel(t *testing.T, group string, f func(t *testing.T)) {
	t.Run(group, func(t *testing.T) {
		t.Parallel()
		f(t)
	})
}

// runStep is runCase for a step of a group started by inParallel: the subtest is named step (so -run matches
// Test/group/step), the summary line group/step.
func runStep(t *testing.T, group, step string, f func(t *testing.T, note func(string, ...any))) {
	t.Run(step, caseBody(group+"/"+step, false, f))
}

// parallelCase is runCase for a case that runs beside the other parallel cases of its parent test
// (go test -parallel caps how many; run-tests.sh sets it).
func parallelCase(t *testing.T, name string, f func(t *testing.T, note func(string, ...any))) {
	t.Run(name, caseBody(name, true, f))
}

// caseBody records the result when the subtest has ended, its cleanups (namespace teardown) included: the
// first cleanup registered runs last. Not when t.Run returns: a parallel subtest's t.Run returns before it
// has run.
func caseBody(name string, parallel bool, f func(t *testing.T, note func(string, ...any))) func(*testing.T) {
	return func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		var notes []string
		start := time.Now()
		t.Cleanup(func() {
			r := caseResult{name: name, passed: !t.Failed(), took: time.Since(start).Round(100 * time.Millisecond), note: strings.Join(notes, "; ")}
			resultsMu.Lock()
			results = append(results, r)
			resultsMu.Unlock()
			fmt.Printf("=== CASE %s %s (%s) %s\n", map[bool]string{true: "PASS", false: "FAIL"}[r.passed], name, r.took, r.note)
		})
		f(t, func(format string, a ...any) {
			s := fmt.Sprintf(format, a...)
			t.Log(s)
			notes = append(notes, s)
		})
	}
}

func TestMain(m *testing.M) {
	if krmBin == "" || runDir == "" || nodeName == "" {
		fmt.Fprintln(os.Stderr, "RABBITMQ_KRM_BIN, RK_CLUSTER_RUN and RK_NODE_NAME must be set: run through `make test-cluster` (test/cluster/run-tests.sh)")
		os.Exit(2)
	}
	code := m.Run()
	writeSummary()
	os.Exit(code)
}

func writeSummary() {
	var b strings.Builder
	passed, failed := 0, 0
	for _, r := range results {
		status := "PASS"
		if r.passed {
			passed++
		} else {
			failed++
			status = "FAIL"
		}
		fmt.Fprintf(&b, "%-4s %-40s %8s  %s\n", status, r.name, r.took, r.note)
	}
	fmt.Fprintf(&b, "%d passed, %d failed\n", passed, failed)
	if summary != "" {
		os.WriteFile(summary, []byte(b.String()), 0o644)
	} else {
		fmt.Print(b.String())
	}
}

// configsIn lists the RabbitMQCluster configs (*.yaml) of a directory, sorted.
func configsIn(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(m)
	return m, err
}
