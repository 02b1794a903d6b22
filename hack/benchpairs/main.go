// Command benchpairs times two commands in interleaved pairs (A, B, A, B, ...), so that load
// on a shared machine affects both alike, and prints the medians of their wall and CPU times
// and of the per-pair ratios A/B:
//
//	benchpairs [-runs N] [-in FILE] [-warmup N] A [ARGS...] -- B [ARGS...]
//	-> wall_a wall_b wall_ratio cpu_a cpu_b cpu_ratio   (seconds; ratios are medians of pairs)
//
// The commands are started directly (no shell), with FILE on stdin and stdout discarded; a
// failing command stops the run. hack/bench.sh uses it for the budgets measured in pairs.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	runs := flag.Int("runs", 30, "timed pairs")
	warmup := flag.Int("warmup", 3, "untimed pairs first")
	in := flag.String("in", "", "file given to both commands on stdin")
	flag.Parse()
	i := slices.Index(flag.Args(), "--")
	if i < 1 || i == len(flag.Args())-1 {
		fmt.Fprintln(os.Stderr, "usage: benchpairs [-runs N] [-in FILE] A [ARGS...] -- B [ARGS...]")
		os.Exit(2)
	}
	a, b := flag.Args()[:i], flag.Args()[i+1:]
	var wa, wb, ca, cb, wr, cr []float64
	for n := range *warmup + *runs {
		w1, c1 := timed(a, *in)
		w2, c2 := timed(b, *in)
		if n >= *warmup {
			wa, wb, ca, cb = append(wa, w1), append(wb, w2), append(ca, c1), append(cb, c2)
			wr, cr = append(wr, w1/w2), append(cr, c1/c2)
		}
	}
	fmt.Printf("%.6f %.6f %.3f %.6f %.6f %.3f\n", median(wa), median(wb), median(wr), median(ca), median(cb), median(cr))
}

// timed runs the command once: its wall time and its CPU time (user + system), in seconds.
func timed(argv []string, in string) (wall, cpu float64) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if in != "" {
		f, err := os.Open(in)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fail(fmt.Errorf("%v: %w", argv, err))
	}
	wall = time.Since(start).Seconds()
	return wall, (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
}

func median(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchpairs:", err)
	os.Exit(1)
}
