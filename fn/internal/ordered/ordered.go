// Package ordered runs a function over a slice on every CPU and hands the results back in
// the slice's order, so that what the caller does with them stays deterministic.
package ordered

import (
	"iter"
	"runtime"
)

// Map yields f(item) for every item, in the items' order. f runs on up to GOMAXPROCS items
// at a time, at most that many ahead of the consumer, so results wait in memory only that
// long. f must be safe to call concurrently. Stopping the loop early stops starting new
// calls; those already running finish unobserved.
func Map[T, R any](items []T, f func(T) R) iter.Seq[R] {
	return func(yield func(R) bool) {
		if len(items) < 2 || runtime.GOMAXPROCS(0) < 2 {
			// Nothing could run beside it: a goroutine would only cost a second thread's
			// start-up (5 % of a single render's CPU).
			for _, item := range items {
				if !yield(f(item)) {
					return
				}
			}
			return
		}
		pending := make(chan chan R, runtime.GOMAXPROCS(0))
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			defer close(pending)
			for _, item := range items {
				result := make(chan R, 1) // the call never waits for the consumer
				select {
				case pending <- result:
				case <-stop:
					return
				}
				go func() { result <- f(item) }()
			}
		}()
		for result := range pending {
			if !yield(<-result) {
				return
			}
		}
	}
}
