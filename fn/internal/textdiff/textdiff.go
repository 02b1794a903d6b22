// Package textdiff shows where two texts first differ, for test failure messages.
package textdiff

import (
	"strconv"
	"strings"
)

// First shows the first differing lines of want and got, enough to see what changed.
func First(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(equal lines, different length)"
}
