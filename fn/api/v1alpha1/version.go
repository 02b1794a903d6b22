package v1alpha1

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Series is a RabbitMQ release series such as 3.10 or 4.2: the unit that version gates use.
type Series struct {
	Major, Minor int
}

// Oldest and Newest bound the series this function knows how to configure.
var (
	OldestSeries = Series{3, 8}
	NewestSeries = Series{4, 3}
)

func (s Series) String() string { return fmt.Sprintf("%d.%d", s.Major, s.Minor) }

// AtLeast reports whether s is the series major.minor or newer.
func (s Series) AtLeast(major, minor int) bool {
	return s.Major > major || (s.Major == major && s.Minor >= minor)
}

var seriesPattern = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?$`)

// ParseSeries reads "4.2" or "4.2.1" (the patch is ignored).
func ParseSeries(v string) (Series, error) {
	m := seriesPattern.FindStringSubmatch(v)
	if m == nil {
		return Series{}, fmt.Errorf("%q is not a RabbitMQ version; write major.minor such as \"4.2\"", v)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Series{major, minor}, nil
}

var tagVersionPattern = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?([-.].*)?$`)

// SeriesFromImage infers the series from an image tag such as rabbitmq:4.2.1-management or
// registry/rabbitmq:3.10-alpine@sha256:...; ok is false when the tag carries no version
// (rabbitmq:management, rabbitmq@sha256:..., rabbitmq).
func SeriesFromImage(image string) (s Series, ok bool) {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return Series{}, false
	}
	m := tagVersionPattern.FindStringSubmatch(ref[colon+1:])
	if m == nil {
		return Series{}, false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Series{major, minor}, true
}
