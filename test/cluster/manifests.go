//go:build e2e

// Package cluster runs the rendered manifests on the real single-node Kubernetes of node.sh (build tag e2e;
// see README.md). This file renders a config with the real binary and makes the two test-only changes.
package cluster

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// doc is one rendered object as generic YAML: the test changes exactly the fields it names and applies the
// rest unchanged.
type doc = map[string]any

// rendered is the output of one config, after the test-only changes.
type rendered struct {
	docs []doc
	// what the harness must provide, read from the output (so CLUSTER_CONFIGS works for any config)
	namespace    string
	stsName      string
	replicas     int
	claims       int               // PVCs the volumeClaimTemplates (broker and deployed etcd) will create
	claimSize    resource.Quantity // the largest request among them
	secrets      []secretRef       // Secrets the pods mount
	hostPathDirs []string          // the "NFS exports" (one shared, or one per pod with perPod)
}

type secretRef struct{ volume, name string }

// pullSecret is the secretRef.volume of an image pull Secret (named in imagePullSecrets, not a volume).
const pullSecret = "(imagePullSecrets)"

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// render runs `rabbitmq-krm render CONFIG` (the binary under test) and parses its output.
func render(bin, config string) ([]doc, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "render", config)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s render %s: %v\n%s", bin, config, err, errb.String())
	}
	var docs []doc
	for _, part := range docSep.Split(out.String(), -1) {
		var d doc
		if err := yaml.Unmarshal([]byte(part), &d); err != nil {
			return nil, fmt.Errorf("decoding rendered document: %v\n%s", err, part)
		}
		if len(d) > 0 {
			docs = append(docs, d)
		}
	}
	return docs, nil
}

// yamlOf is what `kubectl apply -f -` gets.
func yamlOf(docs []doc) []byte {
	var b bytes.Buffer
	for _, d := range docs {
		y, err := yaml.Marshal(d)
		if err != nil {
			panic(err) // decoded from YAML a moment ago
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	return b.Bytes()
}

// get walks nested maps: get(d, "spec", "template") -> d["spec"]["template"] or nil.
func get(d any, path ...string) any {
	for _, p := range path {
		m, ok := d.(map[string]any)
		if !ok {
			return nil
		}
		d = m[p]
	}
	return d
}

func list(v any) []any { l, _ := v.([]any); return l }
func str(v any) string { s, _ := v.(string); return s }

// prepare makes the two test-only changes (named in README.md) and reads what the harness must provide.
//   - an NFS PersistentVolume's source becomes one hostPath directory shared by every pod, as the export would
//     be (this kernel has no NFS client); the directory is owned by 999 like a prepared export;
//   - CPU requests are multiplied by cpuScale, so that three brokers fit the 2-CPU node (limits untouched).
func prepare(docs []doc, pvRoot string, cpuScale float64) (*rendered, error) {
	r := &rendered{docs: docs}
	for _, d := range docs {
		kind := str(d["kind"])
		if ns := str(get(d, "metadata", "namespace")); ns != "" {
			r.namespace = ns
		}
		switch kind {
		case "PersistentVolume":
			if err := nfsToHostPath(d, pvRoot, r); err != nil {
				return nil, err
			}
		case "StatefulSet":
			if err := readStatefulSet(d, r); err != nil {
				return nil, err
			}
			scaleCPU(get(d, "spec", "template", "spec").(map[string]any), cpuScale)
		case "Deployment":
			scaleCPU(get(d, "spec", "template", "spec").(map[string]any), cpuScale)
		}
	}
	if r.namespace == "" || r.stsName == "" {
		return nil, fmt.Errorf("rendered output has no namespaced broker StatefulSet (namespace %q, StatefulSet %q)", r.namespace, r.stsName)
	}
	return r, nil
}

func nfsToHostPath(d doc, pvRoot string, r *rendered) error {
	spec := d["spec"].(map[string]any)
	if spec["nfs"] == nil {
		return nil
	}
	dir := fmt.Sprintf("%s/nfs-%s", pvRoot, str(get(d, "metadata", "name")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chown(dir, 999, 999); err != nil {
		return err
	}
	delete(spec, "nfs")
	spec["hostPath"] = map[string]any{"path": dir, "type": "Directory"}
	r.hostPathDirs = append(r.hostPathDirs, dir)
	return nil
}

// readStatefulSet records the broker StatefulSet (the one with the erlang-cookie volume), every claim the
// StatefulSets will make, and the Secrets the pods mount.
func readStatefulSet(d doc, r *rendered) error {
	spec := d["spec"].(map[string]any)
	replicas := 1
	if n, ok := spec["replicas"].(float64); ok {
		replicas = int(n)
	}
	for _, t := range list(spec["volumeClaimTemplates"]) {
		r.claims += replicas
		q, err := resource.ParseQuantity(str(get(t, "spec", "resources", "requests", "storage")))
		if err != nil {
			return fmt.Errorf("volumeClaimTemplate size: %v", err)
		}
		if q.Cmp(r.claimSize) > 0 {
			r.claimSize = q
		}
	}
	isBroker := false
	for _, v := range list(get(spec, "template", "spec", "volumes")) {
		name, secret := str(get(v, "name")), str(get(v, "secret", "secretName"))
		if secret == "" {
			continue
		}
		r.secrets = append(r.secrets, secretRef{volume: name, name: secret})
		if name == "erlang-cookie-secret" {
			isBroker = true
		}
	}
	if isBroker {
		r.stsName, r.replicas = str(get(d, "metadata", "name")), replicas
		// spec.pod.imagePullSecrets: the same names on every pod, read once
		for _, s := range list(get(spec, "template", "spec", "imagePullSecrets")) {
			r.secrets = append(r.secrets, secretRef{volume: pullSecret, name: str(get(s, "name"))})
		}
	}
	return nil
}

func scaleCPU(podSpec map[string]any, scale float64) {
	for _, key := range []string{"initContainers", "containers"} {
		for _, c := range list(podSpec[key]) {
			req, _ := get(c, "resources", "requests").(map[string]any)
			if req == nil || req["cpu"] == nil {
				continue
			}
			q, err := resource.ParseQuantity(fmt.Sprint(req["cpu"]))
			if err != nil {
				continue // the API server will report it
			}
			m := int64(float64(q.MilliValue())*scale + 0.5)
			if m < 1 {
				m = 1
			}
			req["cpu"] = fmt.Sprintf("%dm", m)
		}
	}
}

// hasDoc reports whether the output has an object of this kind (e.g. the deployed etcd StatefulSet).
func (r *rendered) names(kind string) []string {
	var out []string
	for _, d := range r.docs {
		if str(d["kind"]) == kind {
			out = append(out, str(get(d, "metadata", "name")))
		}
	}
	return out
}

// configMapData returns a key of the rendered ConfigMap that has it (rabbitmq.conf, enabled_plugins).
func (r *rendered) configMapData(key string) string {
	for _, d := range r.docs {
		if str(d["kind"]) == "ConfigMap" {
			if v := str(get(d, "data", key)); v != "" {
				return v
			}
		}
	}
	return ""
}

func (r *rendered) hasConf(substr string) bool {
	return strings.Contains(r.configMapData("rabbitmq.conf"), substr)
}
