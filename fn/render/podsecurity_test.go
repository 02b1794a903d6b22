package render_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// statefulSets reads every StatefulSet from the golden outputs and the kustomize builds.
func statefulSets(t *testing.T) map[string]*appsv1.StatefulSet {
	t.Helper()
	files, _ := filepath.Glob("../../testdata/golden/*/want.yaml")
	more, _ := filepath.Glob("../../testdata/kustomize/*.yaml")
	found := map[string]*appsv1.StatefulSet{}
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(data), "\n---\n") {
			if !strings.Contains(doc, "kind: StatefulSet") {
				continue
			}
			var sts appsv1.StatefulSet
			if err := yaml.UnmarshalStrict([]byte(doc), &sts); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			found[f+":"+sts.Name] = &sts
		}
	}
	if len(found) < 10 {
		t.Fatalf("found only %d StatefulSets in the golden outputs", len(found))
	}
	return found
}

func restrictedViolations(t *testing.T, template *corev1.PodTemplateSpec) []string {
	t.Helper()
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lv := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var violations []string
	for _, r := range evaluator.EvaluatePod(lv, &template.ObjectMeta, &template.Spec) {
		if !r.Allowed {
			violations = append(violations, r.ForbiddenReason+": "+r.ForbiddenDetail)
		}
	}
	return violations
}

// Every pod we render (RabbitMQ and the deployed etcd) passes the restricted Pod Security
// profile, checked with the admission plugin's own library.
func TestEveryPodIsRestricted(t *testing.T) {
	for name, sts := range statefulSets(t) {
		if v := restrictedViolations(t, &sts.Spec.Template); len(v) > 0 {
			t.Errorf("%s violates the restricted profile: %v", name, v)
		}
	}
}

// The check can fail: a rendered pod made privileged is caught.
func TestRestrictedCheckCatchesViolations(t *testing.T) {
	for _, sts := range statefulSets(t) {
		tmpl := sts.Spec.Template.DeepCopy()
		tmpl.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		if v := restrictedViolations(t, tmpl); len(v) < 2 {
			t.Errorf("weakened pod passed the restricted check: %v", v)
		}
		return
	}
}
