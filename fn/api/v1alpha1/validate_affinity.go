package v1alpha1

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateAffinity follows the API server's validateAffinity.
func validateAffinity(errs *field.ErrorList, path *field.Path, a *corev1.Affinity) {
	if na := a.NodeAffinity; na != nil {
		p := path.Child("nodeAffinity")
		if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
			rp := p.Child("requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
			if len(req.NodeSelectorTerms) == 0 {
				add(errs, rp.String(), "is required: at least one term (a node must match one of them)")
			}
			for i, term := range req.NodeSelectorTerms {
				validateNodeSelectorTerm(errs, rp.Index(i), term)
			}
		}
		for i, pref := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			pp := p.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
			validateWeight(errs, pp.Child("weight"), pref.Weight)
			validateNodeSelectorTerm(errs, pp.Child("preference"), pref.Preference)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		validatePodAffinityTerms(errs, path.Child("podAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, false)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		validatePodAffinityTerms(errs, path.Child("podAntiAffinity"), pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, true)
	}
}

func validateWeight(errs *field.ErrorList, path *field.Path, w int32) {
	if w < 1 || w > 100 {
		add(errs, path.String(), "%d is not allowed: use 1 to 100", w)
	}
}

// nodeSelectorOperators map a node selector's operators to the label selector's, whose
// parser (labels.NewRequirement) checks keys, values and their count as the API server does.
var nodeSelectorOperators = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn: selection.In, corev1.NodeSelectorOpNotIn: selection.NotIn,
	corev1.NodeSelectorOpExists: selection.Exists, corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt: selection.GreaterThan, corev1.NodeSelectorOpLt: selection.LessThan,
}

func validateNodeSelectorTerm(errs *field.ErrorList, path *field.Path, term corev1.NodeSelectorTerm) {
	for i, r := range term.MatchExpressions {
		p := path.Child("matchExpressions").Index(i)
		op, ok := nodeSelectorOperators[r.Operator]
		if !ok {
			add(errs, p.Child("operator").String(), "%q is not allowed: use In, NotIn, Exists, DoesNotExist, Gt or Lt", r.Operator)
			continue
		}
		if _, err := labels.NewRequirement(r.Key, op, r.Values, field.WithPath(p)); err != nil {
			adoptAggregate(errs, p, err)
		}
	}
	// The API server allows one field: metadata.name, with In or NotIn and one value.
	for i, r := range term.MatchFields {
		p := path.Child("matchFields").Index(i)
		if r.Key != "metadata.name" || (r.Operator != corev1.NodeSelectorOpIn && r.Operator != corev1.NodeSelectorOpNotIn) || len(r.Values) != 1 {
			add(errs, p.String(), "is not allowed: matchFields supports only {key: metadata.name, operator: In or NotIn, values: [one node name]}")
		}
	}
}

// validatePodAffinityTerms checks podAffinity or podAntiAffinity. An anti-affinity term
// without a labelSelector is given the brokers' selector by the renderer; an affinity term
// without one would select no pod: a required term could never be met, a preferred one
// would do nothing.
func validatePodAffinityTerms(errs *field.ErrorList, path *field.Path, required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm, anti bool) {
	check := func(p *field.Path, t corev1.PodAffinityTerm) {
		if t.LabelSelector == nil && !anti {
			add(errs, p.Child("labelSelector").String(), "is required: a podAffinity term without one selects no pod; select the pods to run near, e.g. {matchLabels: {app: my-client}}")
		}
		validateSelector(errs, p, t.LabelSelector, t.MatchLabelKeys, t.MismatchLabelKeys, "labelSelector")
		if t.TopologyKey == "" {
			add(errs, p.Child("topologyKey").String(), "is required: a node label that names the domain, e.g. kubernetes.io/hostname")
		} else {
			adopt(errs, metav1validation.ValidateLabelName(t.TopologyKey, p.Child("topologyKey")))
		}
		for i, ns := range t.Namespaces {
			for _, msg := range validation.IsDNS1123Label(ns) {
				add(errs, p.Child("namespaces").Index(i).String(), "%q is not a namespace: %s", ns, msg)
			}
		}
		adopt(errs, metav1validation.ValidateLabelSelector(t.NamespaceSelector, metav1validation.LabelSelectorValidationOptions{}, p.Child("namespaceSelector")))
	}
	for i, t := range required {
		check(path.Child("requiredDuringSchedulingIgnoredDuringExecution").Index(i), t)
	}
	for i, w := range preferred {
		p := path.Child("preferredDuringSchedulingIgnoredDuringExecution").Index(i)
		validateWeight(errs, p.Child("weight"), w.Weight)
		check(p.Child("podAffinityTerm"), w.PodAffinityTerm)
	}
}

// adoptAggregate adds the field errors inside an apimachinery aggregate error.
func adoptAggregate(errs *field.ErrorList, path *field.Path, err error) {
	var agg utilerrors.Aggregate
	if !errors.As(err, &agg) {
		add(errs, path.String(), "%v", err)
		return
	}
	for _, e := range agg.Errors() {
		var fe *field.Error
		if errors.As(e, &fe) {
			adopt(errs, field.ErrorList{fe})
		} else {
			add(errs, path.String(), "%v", e)
		}
	}
}
