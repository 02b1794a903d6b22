package main

import (
	"regexp"
	"strings"
	"testing"
)

// Every place a user copies a release from names the release in VERSION: the image tag in the
// README and the Argo CD component, and the component's ?ref=.
func TestDocsReferenceTheRelease(t *testing.T) {
	release := strings.TrimSpace(readFileT(t, "../VERSION"))
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(release) {
		t.Fatalf("VERSION is %q, want vMAJOR.MINOR.PATCH", release)
	}
	refs := regexp.MustCompile(`(?:ghcr\.io/rabbitmq-krm/rabbitmq-krm:|//argocd\?ref=)(v[0-9][^\s"'#}]*)`)
	found := 0
	for _, f := range []string{"../README.md", "../Dockerfile", "../argocd/kustomization.yaml", "../argocd/repo-server-patch.yaml", "../test/consumers/run.sh", "../CHANGELOG.md"} {
		for _, m := range refs.FindAllStringSubmatch(readFileT(t, f), -1) {
			found++
			if m[1] != release {
				t.Errorf("%s references %s, VERSION is %s", f, m[0], release)
			}
		}
	}
	if found < 5 {
		t.Errorf("found only %d release references: did the docs change shape?", found)
	}
	if !strings.Contains(readFileT(t, "../CHANGELOG.md"), "## "+release) {
		t.Errorf("CHANGELOG.md has no section for %s", release)
	}
}

// The version command prints what the build stamped (go test builds with the default).
func TestVersionCommand(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"version", "--short"}, nil, &out, &errOut); code != 0 || out.String() != version+"\n" {
		t.Errorf("version --short: exit %d, %q", code, out.String())
	}
}
