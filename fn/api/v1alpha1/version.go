package v1alpha1

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/distribution/reference"
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

// ParseSeries reads "4.2" or "4.2.1" (the patch is ignored).
func ParseSeries(v string) (Series, error) {
	m := VersionPattern.FindStringSubmatch(v)
	if m == nil {
		return Series{}, fmt.Errorf("%q is not a RabbitMQ version; write major.minor such as \"4.2\"", v)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Series{major, minor}, nil
}

var tagVersionPattern = regexp.MustCompile(`^(\d+)\.(\d+)(\.\d+)?([-.].*)?$`)

// patchOf reads the patch number of "4.2.1" or of a tag "4.2.1-management" (ok false for
// "4.2" or "4.2-management").
func patchOf(version string) (int, bool) {
	m := tagVersionPattern.FindStringSubmatch(version)
	if m == nil || m[3] == "" {
		return 0, false
	}
	patch, err := strconv.Atoi(m[3][1:])
	return patch, err == nil
}

// imageTag is the tag of an image reference ("" when it has none or is not a reference).
func imageTag(image string) string {
	if ref, err := reference.ParseNormalizedNamed(image); err == nil {
		if tagged, ok := ref.(reference.Tagged); ok {
			return tagged.Tag()
		}
	}
	return ""
}

// Patch is the patch release the config targets, from spec.version ("3.8.16") or else the
// image tag (rabbitmq:3.8.16-management); ok is false when neither names one (a floating
// tag such as rabbitmq:3.8-management may move to any patch of the series).
func (c *RabbitMQCluster) Patch() (patch int, ok bool) {
	if p, ok := patchOf(c.Spec.Version); ok {
		return p, true
	}
	return patchOf(imageTag(c.Spec.Image))
}

// SeriesFromImage infers the series from an image tag such as rabbitmq:4.2.1-management or
// registry/rabbitmq:3.10-alpine@sha256:...; ok is false when the tag carries no version
// (rabbitmq:management, rabbitmq@sha256:..., rabbitmq).
func SeriesFromImage(image string) (s Series, ok bool) {
	m := tagVersionPattern.FindStringSubmatch(imageTag(image))
	if m == nil {
		return Series{}, false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Series{major, minor}, true
}

// TargetVersion is the RabbitMQ version the config runs: "4.0.5" when the patch release is
// known (spec.version or the image tag), else the series ("4.0").
func (c *RabbitMQCluster) TargetVersion() string {
	if p, ok := c.Patch(); ok {
		return fmt.Sprintf("%s.%d", c.Series(), p)
	}
	return c.Series().String()
}
