package v1alpha1

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// spec.pod is checked as the API server checks a pod template (k8s.io/kubernetes
// pkg/apis/core/validation, which is not importable as a library): with apimachinery's
// validators where they exist, and its rules restated where they do not, so that a config
// Validate accepts is never refused at apply time.

// adopt adds a library's field errors in this package's style: the value goes into the
// message (see errors.go), e.g. `Invalid value: "a b": name part must consist of ...`.
func adopt(errs *field.ErrorList, found field.ErrorList) {
	for _, e := range found {
		*errs = append(*errs, invalid(e.Field, e.ErrorBody()))
	}
}

// validateAnnotationMap checks annotations key by key in sorted order: the library walks the
// map in random order, and results must not change between runs.
func validateAnnotationMap(errs *field.ErrorList, path string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		adopt(errs, apivalidation.ValidateAnnotations(map[string]string{k: m[k]}, field.NewPath(path)))
	}
	if err := apivalidation.ValidateAnnotationsSize(m); err != nil {
		add(errs, path, "%v", err)
	}
}

func validatePod(errs *field.ErrorList, p *Pod) {
	const base = "spec.pod"
	validateLabelMap(errs, base+".labels", p.Labels)
	validateAnnotationMap(errs, base+".annotations", p.Annotations)
	validateLabelMap(errs, base+".nodeSelector", p.NodeSelector)
	for i, t := range p.Tolerations {
		validateToleration(errs, fmt.Sprintf("%s.tolerations[%d]", base, i), t)
	}
	validateTopologySpread(errs, base+".topologySpreadConstraints", p.TopologySpreadConstraints)
	if p.Affinity != nil {
		validateAffinity(errs, field.NewPath("spec", "pod", "affinity"), p.Affinity)
	}
	if p.PriorityClassName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(p.PriorityClassName) {
			add(errs, base+".priorityClassName", "%q is not a PriorityClass name: %s", p.PriorityClassName, msg)
		}
	}
	for i, s := range p.ImagePullSecrets {
		path := fmt.Sprintf("%s.imagePullSecrets[%d].name", base, i)
		if s.Name == "" {
			add(errs, path, "is required: the name of a kubernetes.io/dockerconfigjson Secret")
		}
		for _, msg := range validation.IsDNS1123Subdomain(s.Name) {
			if s.Name != "" {
				add(errs, path, "%q is not a Secret name: %s", s.Name, msg)
			}
		}
	}
}

// validateToleration follows the API server's ValidateTolerations.
func validateToleration(errs *field.ErrorList, path string, t corev1.Toleration) {
	if t.Key != "" {
		adopt(errs, metav1validation.ValidateLabelName(t.Key, field.NewPath(path+".key")))
	} else if t.Operator != corev1.TolerationOpExists {
		add(errs, path+".operator", "must be Exists when key is empty (it then tolerates every taint): set a key, or operator: Exists")
	}
	if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
		add(errs, path+".effect", "must be NoExecute when tolerationSeconds is set (only NoExecute taints evict): set effect: NoExecute or remove tolerationSeconds")
	}
	switch t.Operator {
	case corev1.TolerationOpEqual, "":
		for _, msg := range validation.IsValidLabelValue(t.Value) {
			add(errs, path+".value", "%q is not a taint value: %s", t.Value, msg)
		}
	case corev1.TolerationOpExists:
		if t.Value != "" {
			add(errs, path+".value", "must be empty with operator Exists (it matches every value of the key): remove value, or use operator: Equal")
		}
	default:
		add(errs, path+".operator", "%q is not a toleration operator: use Equal (the default) or Exists", t.Operator)
	}
	switch t.Effect {
	case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
	default:
		add(errs, path+".effect", "%q is not a taint effect: use NoSchedule, PreferNoSchedule or NoExecute (empty: all)", t.Effect)
	}
}

// validateTopologySpread follows the API server's validateTopologySpreadConstraints. A
// constraint without a labelSelector is valid: the renderer gives it the brokers' selector.
func validateTopologySpread(errs *field.ErrorList, base string, constraints []corev1.TopologySpreadConstraint) {
	seen := map[[2]string]int{}
	for i, c := range constraints {
		path := fmt.Sprintf("%s[%d]", base, i)
		if c.MaxSkew < 1 {
			add(errs, path+".maxSkew", "%d is not allowed: the largest difference in pod count between domains must be at least 1", c.MaxSkew)
		}
		if c.TopologyKey == "" {
			add(errs, path+".topologyKey", "is required: a node label that names the domain, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone")
		} else {
			adopt(errs, metav1validation.ValidateLabelName(c.TopologyKey, field.NewPath(path+".topologyKey")))
		}
		switch c.WhenUnsatisfiable {
		case corev1.DoNotSchedule, corev1.ScheduleAnyway:
		default:
			add(errs, path+".whenUnsatisfiable", "%q is not allowed: use DoNotSchedule or ScheduleAnyway", c.WhenUnsatisfiable)
		}
		pair := [2]string{c.TopologyKey, string(c.WhenUnsatisfiable)}
		if first, ok := seen[pair]; ok {
			add(errs, path, "repeats topologyKey %s with whenUnsatisfiable %s of %s[%d]: merge them", c.TopologyKey, c.WhenUnsatisfiable, base, first)
		} else {
			seen[pair] = i
		}
		if m := c.MinDomains; m != nil && (*m < 1 || c.WhenUnsatisfiable != corev1.DoNotSchedule) {
			add(errs, path+".minDomains", "%d is not allowed: minDomains must be at least 1 and needs whenUnsatisfiable: DoNotSchedule", *m)
		}
		validateInclusionPolicy(errs, path+".nodeAffinityPolicy", c.NodeAffinityPolicy)
		validateInclusionPolicy(errs, path+".nodeTaintsPolicy", c.NodeTaintsPolicy)
		validateSelector(errs, field.NewPath(path), c.LabelSelector, c.MatchLabelKeys, nil, "labelSelector")
	}
}

func validateInclusionPolicy(errs *field.ErrorList, path string, p *corev1.NodeInclusionPolicy) {
	if p != nil && *p != corev1.NodeInclusionPolicyHonor && *p != corev1.NodeInclusionPolicyIgnore {
		add(errs, path, "%q is not allowed: use Honor or Ignore", *p)
	}
}

// validateSelector checks a term's labelSelector with apimachinery and its matchLabelKeys
// and mismatchLabelKeys as the API server does: label names, none of matchLabelKeys in the
// selector (it would narrow nothing) or in mismatchLabelKeys.
func validateSelector(errs *field.ErrorList, path *field.Path, sel *metav1.LabelSelector, match, mismatch []string, selName string) {
	adopt(errs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path.Child("labelSelector")))
	inSelector := map[string]bool{}
	if sel != nil {
		for k := range sel.MatchLabels {
			inSelector[k] = true
		}
		for _, r := range sel.MatchExpressions {
			inSelector[r.Key] = true
		}
	}
	inMismatch := map[string]bool{}
	for i, k := range mismatch {
		adopt(errs, metav1validation.ValidateLabelName(k, path.Child("mismatchLabelKeys").Index(i)))
		inMismatch[k] = true
	}
	for i, k := range match {
		p := path.Child("matchLabelKeys").Index(i)
		adopt(errs, metav1validation.ValidateLabelName(k, p))
		if inSelector[k] {
			add(errs, p.String(), "%s is also in the %s: keep it in one of them", k, selName)
		}
		if inMismatch[k] {
			add(errs, p.String(), "%s is also in mismatchLabelKeys: keep it in one of them", k)
		}
	}
}

// validateExposureMetadata checks the client Service's labels and annotations. Both
// annotation maps land on the same Service: a key in both would make one silently win.
func validateExposureMetadata(errs *field.ErrorList, x *Exposure) {
	const base = "spec.exposure"
	validateLabelMap(errs, base+".labels", x.Labels)
	validateAnnotationMap(errs, base+".annotations", x.Annotations)
	if x.LoadBalancer == nil {
		return
	}
	for _, k := range sortedKeys(x.Annotations) {
		if _, ok := x.LoadBalancer.Annotations[k]; ok {
			add(errs, base+".annotations", "%s is also in spec.exposure.loadBalancer.annotations (both go on the client Service): keep it in one of them", k)
		}
	}
}

// defaultedSelector names the selector a term without labelSelector gets.
const defaultedSelector = "RabbitMQ pods' selector that a term without labelSelector gets"

// validateOwnedMetadata refuses label and annotation keys the renderer sets (owned), and
// checks the terms that the renderer gives the brokers' selector.
func (c *RabbitMQCluster) validateOwnedMetadata(errs *field.ErrorList, owned Owned) {
	refuseOwned(errs, "spec.pod.labels", c.Spec.Pod.Labels, owned.PodLabels)
	refuseOwned(errs, "spec.pod.annotations", c.Spec.Pod.Annotations, owned.PodAnnotations)
	refuseOwned(errs, "spec.exposure.labels", c.Spec.Exposure.Labels, owned.ServiceLabels)
	refuseOwned(errs, "spec.exposure.annotations", c.Spec.Exposure.Annotations, owned.ServiceAnnotations)
	brokers := &metav1.LabelSelector{MatchLabels: owned.Selector}
	for i, t := range c.Spec.Pod.TopologySpreadConstraints {
		if t.LabelSelector == nil {
			validateSelector(errs, field.NewPath("spec", "pod", "topologySpreadConstraints").Index(i), brokers, t.MatchLabelKeys, nil, defaultedSelector)
		}
	}
	if a := c.Spec.Pod.Affinity; a != nil && a.PodAntiAffinity != nil {
		p := field.NewPath("spec", "pod", "affinity", "podAntiAffinity")
		for i, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			if t.LabelSelector == nil {
				validateSelector(errs, p.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i), brokers, t.MatchLabelKeys, t.MismatchLabelKeys, defaultedSelector)
			}
		}
		for i, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if w.PodAffinityTerm.LabelSelector == nil {
				validateSelector(errs, p.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i).Child("podAffinityTerm"), brokers, w.PodAffinityTerm.MatchLabelKeys, w.PodAffinityTerm.MismatchLabelKeys, defaultedSelector)
			}
		}
	}
}

// refuseOwned reports each key of m that an owned key claims (a key ending in "/*" claims
// every key with that prefix).
func refuseOwned(errs *field.ErrorList, path string, m map[string]string, owned []OwnedKey) {
	for _, k := range sortedKeys(m) {
		for _, o := range owned {
			if k == o.Key || strings.HasSuffix(o.Key, "/*") && strings.HasPrefix(k, strings.TrimSuffix(o.Key, "*")) {
				add(errs, path, "%s is reserved (%s): remove it", k, o.Owner)
				break
			}
		}
	}
}
