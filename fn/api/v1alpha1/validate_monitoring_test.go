package v1alpha1

import (
	"testing"

	"github.com/prometheus/common/model"
)

// The schema's duration pattern accepts exactly what Validate's parser accepts.
func TestPrometheusDurationPatternAgreesWithParser(t *testing.T) {
	for _, s := range []string{"0", "5m", "90s", "1h30m", "1d", "2w", "1y", "1h0m", "100ms", "1m30s500ms",
		"0s", "5", "5 m", "-5m", "1.5h", "30m1h", "5M", "m", "1hh", "PT5M"} {
		_, err := model.ParseDuration(s)
		if parsed, matched := err == nil, PrometheusDurationPattern.MatchString(s); parsed != matched {
			t.Errorf("%q: model.ParseDuration accepts it: %v, the pattern: %v", s, parsed, matched)
		}
	}
}
