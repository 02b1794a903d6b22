package render_test

import (
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/render"
)

// The properties below hold for every manifest set the function produces. The API server
// accepts outputs that break them, and they then fail at runtime (a probe on a port the
// container lacks never passes, a NetworkPolicy that misses a port cuts it off, a Service
// that selects nothing has no endpoints). test/k8s checks them against a real API server
// too; here they run in `go test` over every golden config and kustomize build.
var invariants = []struct {
	name  string
	check func(objs []render.Object) []string
}{
	{"probe and lifecycle ports name a port of their container", probePortsAreNamed},
	{"NetworkPolicies cover every container port of the pods they select", networkPoliciesCoverPorts},
	{"Secret volumes are mounted, and only read-only", secretVolumesReadOnly},
	{"Services select the pods of one StatefulSet, on its ports", servicesSelectPods},
	{"the Ingress and ServiceMonitor name a Service and its port", referencesResolve},
	{"pods pass the restricted Pod Security profile", podsAreRestricted},
}

func TestInvariantsHoldForEveryOutput(t *testing.T) {
	kinds := map[string]bool{}
	for _, out := range everyOutput(t) {
		for _, inv := range invariants {
			for _, problem := range inv.check(out.objs) {
				t.Errorf("%s: %s: %s", out.name, inv.name, problem)
			}
		}
		for _, o := range out.objs {
			kinds[o.GetObjectKind().GroupVersionKind().Kind] = true
		}
	}
	// Not vacuous: the outputs have every kind the invariants look at.
	for _, kind := range []string{"StatefulSet", "Job", "Service", "NetworkPolicy", "Ingress", "ServiceMonitor"} {
		if !kinds[kind] {
			t.Errorf("no output has a %s", kind)
		}
	}
}

// podTemplate is a pod template of the output, named by its object ("StatefulSet rabbitmq").
type podTemplate struct {
	owner string
	*corev1.PodTemplateSpec
}

// podTemplates are the pod templates of every StatefulSet (RabbitMQ, the deployed etcd) and
// Job (feature flags) of the output.
func podTemplates(objs []render.Object) []podTemplate {
	var templates []podTemplate
	for _, sts := range all[*appsv1.StatefulSet](objs) {
		templates = append(templates, podTemplate{"StatefulSet " + sts.Name, &sts.Spec.Template})
	}
	for _, job := range all[*batchv1.Job](objs) {
		templates = append(templates, podTemplate{"Job " + job.Name, &job.Spec.Template})
	}
	return templates
}

// containersOf is every container of a pod template, init containers first.
func containersOf(tmpl *corev1.PodTemplateSpec) []corev1.Container {
	return append(slices.Clone(tmpl.Spec.InitContainers), tmpl.Spec.Containers...)
}

// handlerPorts are the ports of a container's probes and lifecycle hooks that have one.
func handlerPorts(c corev1.Container) map[string]intstr.IntOrString {
	ports := map[string]intstr.IntOrString{}
	add := func(what string, tcp *corev1.TCPSocketAction, http *corev1.HTTPGetAction) {
		if tcp != nil {
			ports[what] = tcp.Port
		}
		if http != nil {
			ports[what] = http.Port
		}
	}
	for what, p := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
		if p != nil {
			add(what, p.TCPSocket, p.HTTPGet)
		}
	}
	if l := c.Lifecycle; l != nil {
		for what, h := range map[string]*corev1.LifecycleHandler{"postStart": l.PostStart, "preStop": l.PreStop} {
			if h != nil {
				add(what, h.TCPSocket, h.HTTPGet)
			}
		}
	}
	return ports
}

// probePortsAreNamed: a probe names its port (a number would silently go stale when the
// listener moves, and the API server checks only the syntax), and the name is a port of the
// same container.
func probePortsAreNamed(objs []render.Object) []string {
	var problems []string
	for _, pod := range podTemplates(objs) {
		for _, c := range containersOf(pod.PodTemplateSpec) {
			for what, port := range handlerPorts(c) {
				if port.Type != intstr.String || !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == port.StrVal }) {
					problems = append(problems, fmt.Sprintf("%s container %s: %s port %s is not a named port of the container", pod.owner, c.Name, what, port.String()))
				}
			}
		}
	}
	slices.Sort(problems) // map order
	return problems
}

// selectedStatefulSets are the StatefulSets in namespace whose pods the selector matches.
func selectedStatefulSets(objs []render.Object, namespace string, selector labels.Selector) []*appsv1.StatefulSet {
	var found []*appsv1.StatefulSet
	for _, sts := range all[*appsv1.StatefulSet](objs) {
		if sts.Namespace == namespace && selector.Matches(labels.Set(sts.Spec.Template.Labels)) {
			found = append(found, sts)
		}
	}
	return found
}

// networkPoliciesCoverPorts: each NetworkPolicy selects exactly one StatefulSet's pods
// (an empty selector would restrict every pod of the namespace) and admits every port
// those pods declare; and once there are policies, every StatefulSet has one.
func networkPoliciesCoverPorts(objs []render.Object) []string {
	var problems []string
	covered := map[*appsv1.StatefulSet]bool{}
	for _, np := range all[*networkingv1.NetworkPolicy](objs) {
		selector, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		sts := selectedStatefulSets(objs, np.Namespace, selector)
		switch {
		case err != nil || selector.Empty():
			problems = append(problems, fmt.Sprintf("NetworkPolicy %s: pod selector %v would restrict every pod of the namespace (%v)", np.Name, np.Spec.PodSelector, err))
			continue
		case len(sts) != 1:
			problems = append(problems, fmt.Sprintf("NetworkPolicy %s selects %d StatefulSets' pods, want exactly one", np.Name, len(sts)))
			continue
		}
		covered[sts[0]] = true
		for _, c := range containersOf(&sts[0].Spec.Template) {
			for _, p := range c.Ports {
				if !policyAdmits(np.Spec.Ingress, p) {
					problems = append(problems, fmt.Sprintf("NetworkPolicy %s cuts off container %s port %s (%d)", np.Name, c.Name, p.Name, p.ContainerPort))
				}
			}
		}
	}
	for _, sts := range all[*appsv1.StatefulSet](objs) {
		if len(covered) > 0 && !covered[sts] {
			problems = append(problems, fmt.Sprintf("StatefulSet %s has no NetworkPolicy while the others have one", sts.Name))
		}
	}
	return problems
}

// policyAdmits reports whether some ingress rule opens a container port: by number, name
// or port range, and protocol (TCP when unset, for both).
func policyAdmits(rules []networkingv1.NetworkPolicyIngressRule, cp corev1.ContainerPort) bool {
	protocol := cmpOr(cp.Protocol, corev1.ProtocolTCP)
	for _, r := range rules {
		if len(r.Ports) == 0 {
			return true // a rule without ports admits every port
		}
		for _, p := range r.Ports {
			if p.Protocol != nil && *p.Protocol != protocol || p.Protocol == nil && protocol != corev1.ProtocolTCP || p.Port == nil {
				continue
			}
			if p.Port.Type == intstr.String && p.Port.StrVal == cp.Name {
				return true
			}
			end := p.Port.IntVal
			if p.EndPort != nil {
				end = *p.EndPort
			}
			if p.Port.Type == intstr.Int && p.Port.IntVal <= cp.ContainerPort && cp.ContainerPort <= end {
				return true
			}
		}
	}
	return false
}

func cmpOr[T comparable](v, fallback T) T {
	var zero T
	if v == zero {
		return fallback
	}
	return v
}

// secretVolumesReadOnly: a Secret volume that no container mounts is a leftover, and a
// writable mount of a Secret invites a container to change the credentials in place.
func secretVolumesReadOnly(objs []render.Object) []string {
	var problems []string
	for _, pod := range podTemplates(objs) {
		for _, v := range pod.Spec.Volumes {
			if v.Secret == nil {
				continue
			}
			mounted := false
			for _, c := range containersOf(pod.PodTemplateSpec) {
				for _, m := range c.VolumeMounts {
					if m.Name != v.Name {
						continue
					}
					mounted = true
					if !m.ReadOnly {
						problems = append(problems, fmt.Sprintf("%s container %s mounts Secret volume %s read-write at %s", pod.owner, c.Name, v.Name, m.MountPath))
					}
				}
			}
			if !mounted {
				problems = append(problems, fmt.Sprintf("%s: no container mounts Secret volume %s", pod.owner, v.Name))
			}
		}
	}
	return problems
}

// servicesSelectPods: every Service selects the pods of exactly one StatefulSet (its
// template labels, which are the pods' labels), and its target ports are ports those pods
// declare.
func servicesSelectPods(objs []render.Object) []string {
	var problems []string
	for _, svc := range all[*corev1.Service](objs) {
		sts := selectedStatefulSets(objs, svc.Namespace, labels.SelectorFromSet(svc.Spec.Selector))
		if len(svc.Spec.Selector) == 0 || len(sts) != 1 {
			problems = append(problems, fmt.Sprintf("Service %s selects the pods of %d StatefulSets, want exactly one", svc.Name, len(sts)))
			continue
		}
		for _, p := range svc.Spec.Ports {
			if !declaresPort(sts[0], p.TargetPort) {
				problems = append(problems, fmt.Sprintf("Service %s port %s: target port %s is not a container port of StatefulSet %s", svc.Name, p.Name, p.TargetPort.String(), sts[0].Name))
			}
		}
	}
	return problems
}

// declaresPort reports whether a container of the StatefulSet declares the port, by name
// or number.
func declaresPort(sts *appsv1.StatefulSet, port intstr.IntOrString) bool {
	for _, c := range containersOf(&sts.Spec.Template) {
		for _, p := range c.Ports {
			if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
				return true
			}
		}
	}
	return false
}

// serviceMonitorSpec is the part of the Prometheus Operator's ServiceMonitor checked here.
type serviceMonitorSpec struct {
	Spec struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port string `json:"port"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// referencesResolve: the Ingress's backend is a Service of the output and one of its port
// names; the ServiceMonitor selects exactly the headless Service (through the client
// Service Prometheus would scrape a random node) and scrapes one of its ports.
func referencesResolve(objs []render.Object) []string {
	var problems []string
	services := all[*corev1.Service](objs)
	for _, ing := range all[*networkingv1.Ingress](objs) {
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if !slices.ContainsFunc(services, func(s *corev1.Service) bool {
					return s.Name == b.Name && s.Namespace == ing.Namespace && hasServicePort(s, b.Port.Name)
				}) {
					problems = append(problems, fmt.Sprintf("Ingress %s: backend %s port %q is not a Service port of the output", ing.Name, b.Name, b.Port.Name))
				}
			}
		}
	}
	for _, u := range all[*unstructured.Unstructured](objs) {
		if u.GetKind() == "ServiceMonitor" {
			problems = append(problems, serviceMonitorProblems(u, services)...)
		}
	}
	return problems
}

func serviceMonitorProblems(u *unstructured.Unstructured, services []*corev1.Service) []string {
	var sm serviceMonitorSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sm); err != nil {
		return []string{fmt.Sprintf("ServiceMonitor %s: %v", u.GetName(), err)}
	}
	selector, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	var selected []*corev1.Service
	for _, s := range services {
		if err == nil && s.Namespace == u.GetNamespace() && selector.Matches(labels.Set(s.Labels)) {
			selected = append(selected, s)
		}
	}
	if len(selected) != 1 || selected[0].Spec.ClusterIP != corev1.ClusterIPNone {
		return []string{fmt.Sprintf("ServiceMonitor %s selects %d Services, want exactly the headless one", u.GetName(), len(selected))}
	}
	var problems []string
	for _, e := range sm.Spec.Endpoints {
		if !hasServicePort(selected[0], e.Port) {
			problems = append(problems, fmt.Sprintf("ServiceMonitor %s scrapes port %q, which Service %s lacks", u.GetName(), e.Port, selected[0].Name))
		}
	}
	return problems
}

func hasServicePort(s *corev1.Service, name string) bool {
	return slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == name })
}

// podsAreRestricted runs the Pod Security admission plugin's own checks (restricted,
// latest) on every pod template: RabbitMQ's, the deployed etcd's, the feature flag Job's.
func podsAreRestricted(objs []render.Object) []string {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return []string{err.Error()}
	}
	lv := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var problems []string
	for _, pod := range podTemplates(objs) {
		for _, r := range evaluator.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec) {
			if !r.Allowed {
				problems = append(problems, fmt.Sprintf("%s: %s: %s", pod.owner, r.ForbiddenReason, r.ForbiddenDetail))
			}
		}
	}
	return problems
}

// breaking is a way a generator bug would break an output, and the invariant that catches it.
type breaking struct {
	check   func(objs []render.Object) []string
	name    string
	breakIt func(objs []render.Object)
}

// Each invariant can fail: a rendered output broken the way a generator bug would break it
// is caught by the invariant that guards against that bug.
func TestInvariantsCatchBrokenOutputs(t *testing.T) {
	base := renderSpec(t, "  plugins: [rabbitmq_mqtt]\n  defaultUser: {secretName: admin}\n  tls: {secretName: tls, disableNonTLSListeners: true}\n"+
		"  exposure: {ingress: {host: mq.example.com}}\n  networkPolicy: {}\n  serviceMonitor: {}\n").Objects
	for _, tc := range breakings() {
		t.Run(tc.name, func(t *testing.T) {
			if problems := tc.check(base); len(problems) > 0 {
				t.Fatalf("the unbroken output already fails: %v", problems)
			}
			broken := make([]render.Object, len(base))
			for i, o := range base {
				broken[i] = o.DeepCopyObject().(render.Object)
			}
			tc.breakIt(broken)
			if problems := tc.check(broken); len(problems) == 0 {
				t.Errorf("the invariant did not notice")
			} else {
				t.Logf("caught: %v", problems)
			}
		})
	}
}

func breakings() []breaking {
	sts := func(objs []render.Object) *appsv1.StatefulSet { return find[*appsv1.StatefulSet](objs, "rabbitmq") }
	rabbitmq := func(objs []render.Object) *corev1.Container { return &sts(objs).Spec.Template.Spec.Containers[0] }
	client := func(objs []render.Object) *corev1.Service { return find[*corev1.Service](objs, "rabbitmq") }
	np := func(objs []render.Object) *networkingv1.NetworkPolicy {
		return find[*networkingv1.NetworkPolicy](objs, "rabbitmq")
	}
	return []breaking{
		{probePortsAreNamed, "probe on a port the container lacks", func(o []render.Object) { rabbitmq(o).ReadinessProbe.TCPSocket.Port = intstr.FromString("amqp") }},
		{probePortsAreNamed, "probe on a port number", func(o []render.Object) { rabbitmq(o).ReadinessProbe.TCPSocket.Port = intstr.FromInt32(5671) }},
		{networkPoliciesCoverPorts, "a client port left out", func(o []render.Object) {
			rules := np(o).Spec.Ingress
			clients := &rules[len(rules)-1] // the clients' rule comes last
			clients.Ports = clients.Ports[:len(clients.Ports)-1]
		}},
		{networkPoliciesCoverPorts, "an empty pod selector", func(o []render.Object) { np(o).Spec.PodSelector = metav1.LabelSelector{} }},
		{secretVolumesReadOnly, "a read-write Secret mount", func(o []render.Object) {
			setMount(rabbitmq(o), "tls", func(m *corev1.VolumeMount) { m.ReadOnly = false })
		}},
		{secretVolumesReadOnly, "a read-write Secret mount in the feature flag Job", func(o []render.Object) {
			setMount(&all[*batchv1.Job](o)[0].Spec.Template.Spec.Containers[0], "erlang-cookie-secret", func(m *corev1.VolumeMount) { m.ReadOnly = false })
		}},
		{secretVolumesReadOnly, "an unmounted Secret volume", func(o []render.Object) {
			setMount(rabbitmq(o), "tls", func(m *corev1.VolumeMount) { m.Name = "elsewhere" })
		}},
		{servicesSelectPods, "a selector that matches no pod", func(o []render.Object) { client(o).Spec.Selector["app.kubernetes.io/instance"] = "other" }},
		{servicesSelectPods, "a target port the pods lack", func(o []render.Object) { client(o).Spec.Ports[0].TargetPort = intstr.FromString("amqp") }},
		{referencesResolve, "an Ingress on a port the Service lacks", func(o []render.Object) {
			find[*networkingv1.Ingress](o, "rabbitmq-management").Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name = "management"
		}},
		{referencesResolve, "a ServiceMonitor that also selects the client Service", func(o []render.Object) {
			unstructured.RemoveNestedField(find[*unstructured.Unstructured](o, "rabbitmq").Object, "spec", "selector", "matchLabels", "rabbitmq-krm.dev/service")
		}},
		{podsAreRestricted, "a pod that may escalate and mounts the host", func(o []render.Object) {
			rabbitmq(o).SecurityContext.AllowPrivilegeEscalation = nil
			sts(o).Spec.Template.Spec.Volumes = append(sts(o).Spec.Template.Spec.Volumes, corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		}},
	}
}

// setMount edits the container's mount of volume.
func setMount(c *corev1.Container, volume string, edit func(*corev1.VolumeMount)) {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].Name == volume {
			edit(&c.VolumeMounts[i])
		}
	}
}
