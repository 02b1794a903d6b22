package schema

import corev1 "k8s.io/api/core/v1"

// podRules restate v1alpha1's checks of spec.pod (validate_pod.go, validate_affinity.go),
// the API server's rules for these core/v1 types, where a schema can state them.
var podRules = map[string][]rule{
	"spec.pod.priorityClassName":       subdomain("rabbitmq-critical"),
	"spec.pod.imagePullSecrets[]":      {required("name")},
	"spec.pod.imagePullSecrets[].name": subdomain("registry-credentials"),
	"spec.pod.tolerations[].operator":  {enum(corev1.TolerationOpEqual, corev1.TolerationOpExists), describe("Equal (the default): the taint's value must equal value. Exists: any value of the key (value must be empty); with an empty key, every taint.")},
	"spec.pod.tolerations[].effect":    {enum(taintEffects...)},

	"spec.pod.topologySpreadConstraints[]":                                           {required("maxSkew", "topologyKey", "whenUnsatisfiable")},
	"spec.pod.topologySpreadConstraints[].maxSkew":                                   {minimum(1)},
	"spec.pod.topologySpreadConstraints[].minDomains":                                {minimum(1)},
	"spec.pod.topologySpreadConstraints[].whenUnsatisfiable":                         {enum(corev1.DoNotSchedule, corev1.ScheduleAnyway)},
	"spec.pod.topologySpreadConstraints[].nodeAffinityPolicy":                        {enum(corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore)},
	"spec.pod.topologySpreadConstraints[].nodeTaintsPolicy":                          {enum(corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore)},
	"spec.pod.topologySpreadConstraints[].labelSelector.matchExpressions[].operator": {enum(labelSelectorOperators...)},

	"spec.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution":                                                 {required("nodeSelectorTerms")},
	"spec.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[].matchExpressions[].operator": {enum(nodeSelectorOperators...)},
	"spec.pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[]":                                              {required("weight", "preference")},
	"spec.pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].weight":                                       {minimum(1), maximum(100)},
	"spec.pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].preference.matchExpressions[].operator":       {enum(nodeSelectorOperators...)},
}

var (
	taintEffects           = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}
	labelSelectorOperators = []string{"In", "NotIn", "Exists", "DoesNotExist"}
	nodeSelectorOperators  = []corev1.NodeSelectorOperator{corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn, corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist, corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt}
)

// podAffinityRules: every pod (anti-)affinity term names a topologyKey; a weighted term has a
// weight of 1 to 100; a podAffinity term needs a labelSelector (v1alpha1 gives an
// anti-affinity term without one the brokers' selector).
func podAffinityRules() map[string][]rule {
	r := map[string][]rule{}
	for kind, termRequires := range map[string][]string{"podAffinity": {"labelSelector", "topologyKey"}, "podAntiAffinity": {"topologyKey"}} {
		base := "spec.pod.affinity." + kind
		for _, term := range []string{base + ".requiredDuringSchedulingIgnoredDuringExecution[]", base + ".preferredDuringSchedulingIgnoredDuringExecution[].podAffinityTerm"} {
			r[term] = []rule{required(termRequires...)}
			for _, sel := range []string{".labelSelector", ".namespaceSelector"} {
				r[term+sel+".matchExpressions[].operator"] = []rule{enum(labelSelectorOperators...)}
			}
		}
		r[base+".preferredDuringSchedulingIgnoredDuringExecution[]"] = []rule{required("weight", "podAffinityTerm")}
		r[base+".preferredDuringSchedulingIgnoredDuringExecution[].weight"] = []rule{minimum(1), maximum(100)}
	}
	return r
}

func init() {
	for _, m := range []map[string][]rule{podRules, podAffinityRules()} {
		for path, rs := range m {
			rules[path] = rs
		}
	}
}
