package v1alpha1_test

import "testing"

// spec.pod and the client Service's metadata: each bad value is refused with the exact field
// path, as the API server would refuse it at apply time (or, for keys the function owns, as
// the function would silently override them).
func TestPodRefused(t *testing.T) {
	expectRefused(t, []refusal{
		{"  pod: {labels: {'bad key': x}}", `spec.pod.labels: "bad key" is not a valid label key: name part must consist of`},
		{"  pod: {labels: {team: 'not valid!'}}", `spec.pod.labels: "not valid!" is not a valid value for label team: a valid label must be`},
		{"  pod: {labels: {app.kubernetes.io/instance: other}}", "spec.pod.labels: app.kubernetes.io/instance is reserved (rabbitmq-krm sets it; it selects the RabbitMQ pods for the StatefulSet, the Services and the PodDisruptionBudget): remove it"},
		{"  pod: {labels: {app.kubernetes.io/part-of: shop}}", "spec.pod.labels: app.kubernetes.io/part-of is reserved (rabbitmq-krm sets it on every object it generates): remove it"},
		{"  pod: {labels: {skipPreStopChecks: 'true'}}", "spec.pod.labels: skipPreStopChecks is reserved (the preStop hook reads it to skip draining"},
		{"  pod: {labels: {statefulset.kubernetes.io/pod-name: x}}", "spec.pod.labels: statefulset.kubernetes.io/pod-name is reserved (the StatefulSet controller sets it on each pod)"},
		{"  pod: {labels: {rabbitmq-krm.dev/anything: x}}", "spec.pod.labels: rabbitmq-krm.dev/anything is reserved (keys under rabbitmq-krm.dev/ are rabbitmq-krm's own)"},
		{"  pod: {annotations: {rabbitmq-krm.dev/config-checksum: x}}", "spec.pod.annotations: rabbitmq-krm.dev/config-checksum is reserved (rabbitmq-krm sets it; it changes with the ConfigMap"},
		{"  pod: {annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}}", "spec.pod.annotations: seccomp.security.alpha.kubernetes.io/pod is reserved (deprecated; rabbitmq-krm sets the pods' security context for the restricted Pod Security profile"},
		{"  pod: {annotations: {container.apparmor.security.beta.kubernetes.io/rabbitmq: unconfined}}", "spec.pod.annotations: container.apparmor.security.beta.kubernetes.io/rabbitmq is reserved (deprecated;"},
		{"  pod: {annotations: {'-x': v}}", `spec.pod.annotations: Invalid value: "-x": name part must consist of`},
		{"  pod: {nodeSelector: {'a/b/c': x}}", `spec.pod.nodeSelector: "a/b/c" is not a valid label key: a valid label key must consist of`},
		{"  pod: {tolerations: [{operator: Exists, value: x}]}", "spec.pod.tolerations[0].value: must be empty with operator Exists"},
		{"  pod: {tolerations: [{value: x}]}", "spec.pod.tolerations[0].operator: must be Exists when key is empty"},
		{"  pod: {tolerations: [{key: a, operator: Maybe}]}", `spec.pod.tolerations[0].operator: "Maybe" is not a toleration operator: use Equal (the default) or Exists`},
		{"  pod: {tolerations: [{key: a, effect: NoSchedule, tolerationSeconds: 5}]}", "spec.pod.tolerations[0].effect: must be NoExecute when tolerationSeconds is set"},
		{"  pod: {tolerations: [{key: a, effect: Evict}]}", `spec.pod.tolerations[0].effect: "Evict" is not a taint effect`},
		{"  pod: {tolerations: [{key: 'a b', operator: Exists}]}", `spec.pod.tolerations[0].key: Invalid value: "a b"`},
		{"  pod: {tolerations: [{key: a, value: 'x y'}]}", `spec.pod.tolerations[0].value: "x y" is not a taint value`},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]}", "spec.pod.topologySpreadConstraints[0].maxSkew: 0 is not allowed"},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, whenUnsatisfiable: DoNotSchedule}]}", "spec.pod.topologySpreadConstraints[0].topologyKey: is required"},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone}]}", `spec.pod.topologySpreadConstraints[0].whenUnsatisfiable: "" is not allowed: use DoNotSchedule or ScheduleAnyway`},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]}", "spec.pod.topologySpreadConstraints[0].minDomains: 2 is not allowed: minDomains must be at least 1 and needs whenUnsatisfiable: DoNotSchedule"},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}, {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]}", "spec.pod.topologySpreadConstraints[1]: repeats topologyKey zone with whenUnsatisfiable ScheduleAnyway of spec.pod.topologySpreadConstraints[0]"},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, nodeTaintsPolicy: Always}]}", `spec.pod.topologySpreadConstraints[0].nodeTaintsPolicy: "Always" is not allowed: use Honor or Ignore`},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchExpressions: [{key: a, operator: In}]}}]}", "spec.pod.topologySpreadConstraints[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"},
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {a: b}}, matchLabelKeys: [a]}]}", "spec.pod.topologySpreadConstraints[0].matchLabelKeys[0]: a is also in the labelSelector: keep it in one of them"},
		// without a labelSelector the constraint gets the brokers' selector, so its keys count too
		{"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, matchLabelKeys: [app.kubernetes.io/name]}]}", "spec.pod.topologySpreadConstraints[0].matchLabelKeys[0]: app.kubernetes.io/name is also in the RabbitMQ pods' selector"},
		{"  pod: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}}}}", "spec.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: is required"},
		{"  pod: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Exists, values: [x]}]}]}}}}", "spec.pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist"},
		{"  pod: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Near, values: [x]}]}]}}}}", `nodeSelectorTerms[0].matchExpressions[0].operator: "Near" is not allowed`},
		{"  pod: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchFields: [{key: metadata.labels, operator: In, values: [x]}]}]}}}}", "nodeSelectorTerms[0].matchFields[0]: is not allowed: matchFields supports only {key: metadata.name"},
		{"  pod: {affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, preference: {}}]}}}", "spec.pod.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: 0 is not allowed: use 1 to 100"},
		{"  pod: {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: zone}]}}}", "spec.pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector: is required: a podAffinity term without one selects no pod"},
		{"  pod: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {}}]}}}", "spec.pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: is required"},
		{"  pod: {affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 101, podAffinityTerm: {topologyKey: zone, namespaces: [Bad]}}]}}}", "spec.pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: 101 is not allowed"},
		{"  pod: {affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1, podAffinityTerm: {topologyKey: zone, namespaces: [Bad]}}]}}}", `spec.pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.namespaces[0]: "Bad" is not a namespace`},
		{"  pod: {priorityClassName: High}", `spec.pod.priorityClassName: "High" is not a PriorityClass name`},
		{"  pod: {imagePullSecrets: [{name: ''}]}", "spec.pod.imagePullSecrets[0].name: is required"},
		{"  pod: {imagePullSecrets: [{name: Registry}]}", `spec.pod.imagePullSecrets[0].name: "Registry" is not a Secret name`},
		{"  exposure: {labels: {app.kubernetes.io/name: x}}", "spec.exposure.labels: app.kubernetes.io/name is reserved (rabbitmq-krm sets it; it selects the RabbitMQ pods"},
		{"  exposure: {labels: {rabbitmq-krm.dev/service: nodes}}", "spec.exposure.labels: rabbitmq-krm.dev/service is reserved (keys under rabbitmq-krm.dev/ are rabbitmq-krm's own)"},
		{"  exposure: {labels: {'a b': x}}", `spec.exposure.labels: "a b" is not a valid label key`},
		{"  exposure: {annotations: {rabbitmq-krm.dev/warnings: x}}", "spec.exposure.annotations: rabbitmq-krm.dev/warnings is reserved"},
		{"  exposure: {annotations: {config.kubernetes.io/local-config: 'true'}}", `spec.exposure.annotations: config.kubernetes.io/local-config is reserved (kpt and kustomize read them on the output: local-config: "true" would drop the Service): remove it`},
		{"  exposure: {annotations: {internal.config.kubernetes.io/path: x.yaml}}", "spec.exposure.annotations: internal.config.kubernetes.io/path is reserved (kpt and kustomize record where an object comes from in them)"},
		{"  exposure: {type: LoadBalancer, loadBalancer: {annotations: {a.io/x: '1'}}, annotations: {a.io/x: '2'}}", "spec.exposure.annotations: a.io/x is also in spec.exposure.loadBalancer.annotations (both go on the client Service): keep it in one of them"},
	})
}

func TestPodAccepted(t *testing.T) {
	expectAccepted(t, []string{
		"  pod: {labels: {team: db, sidecar.istio.io/inject: 'false'}, annotations: {fluentbit.io/parser: json, note: 'any text: even spaces'}}",
		"  pod: {nodeSelector: {kubernetes.io/hostname: node-1}, priorityClassName: rabbitmq-critical, imagePullSecrets: [{name: registry}]}",
		"  pod: {tolerations: [{operator: Exists}, {key: a, operator: Exists, effect: NoExecute, tolerationSeconds: 30}, {key: b, value: c}]}",
		"  pod: {affinity: {}}",
		"  pod: {affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}}}",
		"  pod: {affinity: {podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 50, podAffinityTerm: {topologyKey: zone, labelSelector: {matchLabels: {app: client}}}}]}}}",
		"  pod: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: cpus, operator: Gt, values: ['4']}], matchFields: [{key: metadata.name, operator: NotIn, values: [n1]}]}]}}}}",
		"  pod: {topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, minDomains: 3, matchLabelKeys: [controller-revision-hash], nodeTaintsPolicy: Honor}]}",
		"  exposure: {type: LoadBalancer, loadBalancer: {annotations: {a.io/x: '1'}}, annotations: {b.io/y: '2'}, labels: {team: db}}",
	})
}
