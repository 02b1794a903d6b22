package ordered

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// Results come back in the items' order whatever order the calls finish in (and with one
// item or one CPU, where the calls run in the loop itself).
func TestMapKeepsOrder(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, n := range []int{0, 1, 200} {
			mapKeepsOrder(t, n)
		}
	}
}

func mapKeepsOrder(t *testing.T, n int) {
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	var got []int
	for r := range Map(items, func(i int) int {
		time.Sleep(time.Duration(i%7) * 100 * time.Microsecond) // later items often finish first
		return i * i
	}) {
		got = append(got, r)
	}
	want := make([]int, len(items))
	for i := range want {
		want[i] = i * i
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v", got)
	}
}

// Calls never run more than GOMAXPROCS ahead of the consumer (+1 being waited for).
func TestMapBoundsWorkAhead(t *testing.T) {
	var running, most atomic.Int32
	items := make([]int, 50)
	for range Map(items, func(int) int {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
		return 0
	}) {
		time.Sleep(2 * time.Millisecond) // a slow consumer: the calls must wait for it
	}
	if limit := int32(runtime.GOMAXPROCS(0) + 1); most.Load() > limit {
		t.Errorf("%d calls at once, want at most %d", most.Load(), limit)
	}
}

// Breaking out of the loop stops new calls.
func TestMapStopsEarly(t *testing.T) {
	var calls atomic.Int32
	items := make([]int, 1000)
	for range Map(items, func(int) int { calls.Add(1); return 0 }) {
		break
	}
	time.Sleep(10 * time.Millisecond) // let anything wrongly started run
	if n, limit := calls.Load(), int32(runtime.GOMAXPROCS(0)+2); n > limit {
		t.Errorf("%d calls after the consumer stopped at the first, want at most %d", n, limit)
	}
}
