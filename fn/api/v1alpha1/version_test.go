package v1alpha1

import "testing"

func TestSeriesFromImage(t *testing.T) {
	for _, tc := range []struct {
		image string
		want  string // "" = not inferable
	}{
		{"rabbitmq:4.2.3-management", "4.2"},
		{"rabbitmq:3.8-management", "3.8"},
		{"rabbitmq:3.10.8", "3.10"},
		{"rabbitmq:4.1-management-alpine", "4.1"},
		{"registry.local:5000/team/rabbitmq:3.13.7@sha256:abababababababababababababababababababababababababababababababab", "3.13"},
		{"registry.local:5000/rabbitmq", ""},
		{"rabbitmq:management", ""},
		{"rabbitmq", ""},
		{"rabbitmq@sha256:0123", ""},
		{"rabbitmq:latest", ""},
		{"rabbitmq:4", ""},
	} {
		s, ok := SeriesFromImage(tc.image)
		got := ""
		if ok {
			got = s.String()
		}
		if got != tc.want {
			t.Errorf("SeriesFromImage(%q) = %q, want %q", tc.image, got, tc.want)
		}
	}
}

func TestSeriesAtLeast(t *testing.T) {
	s := Series{4, 1}
	for _, tc := range []struct {
		major, minor int
		want         bool
	}{{4, 1, true}, {4, 0, true}, {3, 13, true}, {4, 2, false}, {5, 0, false}} {
		if got := s.AtLeast(tc.major, tc.minor); got != tc.want {
			t.Errorf("4.1.AtLeast(%d.%d) = %v", tc.major, tc.minor, got)
		}
	}
}
