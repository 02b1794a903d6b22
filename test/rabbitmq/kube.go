//go:build e2e

// Package rabbitmq is the real-RabbitMQ end-to-end suite of rabbitmq-krm (build tag e2e; see README.md).
//
// This file holds the small subset of the Kubernetes object model the harness needs, decoded with
// sigs.k8s.io/yaml (the root go.sum does not carry k8s.io/api's transitive dependencies, and the harness only
// needs a few fields; field names and JSON tags are those of k8s.io/api), plus the kubelet's $(VAR) expansion.
package rabbitmq

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// object is one decoded manifest: the header plus the raw document for kind-specific decoding.
type object struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	raw        []byte
}

type keyToPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
	Mode *int32 `json:"mode,omitempty"`
}

type volume struct {
	Name      string `json:"name"`
	ConfigMap *struct {
		Name        string      `json:"name"`
		Items       []keyToPath `json:"items,omitempty"`
		DefaultMode *int32      `json:"defaultMode,omitempty"`
		Optional    *bool       `json:"optional,omitempty"`
	} `json:"configMap,omitempty"`
	Secret *struct {
		SecretName  string      `json:"secretName"`
		Items       []keyToPath `json:"items,omitempty"`
		DefaultMode *int32      `json:"defaultMode,omitempty"`
		Optional    *bool       `json:"optional,omitempty"`
	} `json:"secret,omitempty"`
	EmptyDir              *struct{} `json:"emptyDir,omitempty"`
	PersistentVolumeClaim *struct {
		ClaimName string `json:"claimName"`
		ReadOnly  bool   `json:"readOnly,omitempty"`
	} `json:"persistentVolumeClaim,omitempty"`
	NFS *struct {
		Server string `json:"server"`
		Path   string `json:"path"`
	} `json:"nfs,omitempty"`
	DownwardAPI *struct {
		Items []struct {
			Path     string `json:"path"`
			FieldRef *struct {
				FieldPath string `json:"fieldPath"`
			} `json:"fieldRef,omitempty"`
			Mode *int32 `json:"mode,omitempty"`
		} `json:"items"`
		DefaultMode *int32 `json:"defaultMode,omitempty"`
	} `json:"downwardAPI,omitempty"`
}

type securityContext struct {
	RunAsUser              *int64 `json:"runAsUser,omitempty"`
	RunAsGroup             *int64 `json:"runAsGroup,omitempty"`
	FSGroup                *int64 `json:"fsGroup,omitempty"`
	ReadOnlyRootFilesystem *bool  `json:"readOnlyRootFilesystem,omitempty"`
}

type volumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	SubPath   string `json:"subPath,omitempty"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

type envVar struct {
	Name      string `json:"name"`
	Value     string `json:"value,omitempty"`
	ValueFrom *struct {
		FieldRef *struct {
			FieldPath string `json:"fieldPath"`
		} `json:"fieldRef,omitempty"`
		SecretKeyRef *struct {
			Name string `json:"name"`
			Key  string `json:"key"`
		} `json:"secretKeyRef,omitempty"`
		ConfigMapKeyRef *struct {
			Name string `json:"name"`
			Key  string `json:"key"`
		} `json:"configMapKeyRef,omitempty"`
		ResourceFieldRef *struct {
			Resource string `json:"resource"`
		} `json:"resourceFieldRef,omitempty"`
	} `json:"valueFrom,omitempty"`
}

type envFromSource struct {
	Prefix       string `json:"prefix,omitempty"`
	ConfigMapRef *struct {
		Name string `json:"name"`
	} `json:"configMapRef,omitempty"`
	SecretRef *struct {
		Name string `json:"name"`
	} `json:"secretRef,omitempty"`
}

type execAction struct {
	Command []string `json:"command"`
}

type handler struct {
	Exec      *execAction `json:"exec,omitempty"`
	TCPSocket *struct {
		Port any `json:"port"`
	} `json:"tcpSocket,omitempty"`
	HTTPGet *struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet,omitempty"`
}

type probe struct {
	handler
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32 `json:"periodSeconds,omitempty"`
	TimeoutSeconds      int32 `json:"timeoutSeconds,omitempty"`
	FailureThreshold    int32 `json:"failureThreshold,omitempty"`
}

type containerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
}

type container struct {
	Name           string          `json:"name"`
	Image          string          `json:"image"`
	Command        []string        `json:"command,omitempty"`
	Args           []string        `json:"args,omitempty"`
	Env            []envVar        `json:"env,omitempty"`
	EnvFrom        []envFromSource `json:"envFrom,omitempty"`
	VolumeMounts   []volumeMount   `json:"volumeMounts,omitempty"`
	Ports          []containerPort `json:"ports,omitempty"`
	ReadinessProbe *probe          `json:"readinessProbe,omitempty"`
	LivenessProbe  *probe          `json:"livenessProbe,omitempty"`
	StartupProbe   *probe          `json:"startupProbe,omitempty"`
	Lifecycle      *struct {
		PreStop *handler `json:"preStop,omitempty"`
	} `json:"lifecycle,omitempty"`
	WorkingDir      string           `json:"workingDir,omitempty"`
	SecurityContext *securityContext `json:"securityContext,omitempty"`
}

type podSpec struct {
	InitContainers                []container      `json:"initContainers,omitempty"`
	Containers                    []container      `json:"containers"`
	Volumes                       []volume         `json:"volumes,omitempty"`
	TerminationGracePeriodSeconds *int64           `json:"terminationGracePeriodSeconds,omitempty"`
	EnableServiceLinks            *bool            `json:"enableServiceLinks,omitempty"`
	ServiceAccountName            string           `json:"serviceAccountName,omitempty"`
	SecurityContext               *securityContext `json:"securityContext,omitempty"`
	Hostname                      string           `json:"hostname,omitempty"`
	Subdomain                     string           `json:"subdomain,omitempty"`
}

type statefulSet struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Replicas            *int32 `json:"replicas,omitempty"`
		ServiceName         string `json:"serviceName"`
		PodManagementPolicy string `json:"podManagementPolicy,omitempty"`
		Template            struct {
			Metadata objectMeta `json:"metadata"`
			Spec     podSpec    `json:"spec"`
		} `json:"template"`
		VolumeClaimTemplates []struct {
			Metadata objectMeta `json:"metadata"`
		} `json:"volumeClaimTemplates,omitempty"`
	} `json:"spec"`
}

type configMap struct {
	Metadata objectMeta        `json:"metadata"`
	Data     map[string]string `json:"data,omitempty"`
}

type secret struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Type       string            `json:"type,omitempty"`
	Data       map[string]string `json:"data,omitempty"` // base64
	StringData map[string]string `json:"stringData,omitempty"`
}

func (s *secret) values() (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range s.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("secret %s key %s: %v", s.Metadata.Name, k, err)
		}
		out[k] = b
	}
	for k, v := range s.StringData {
		out[k] = []byte(v)
	}
	return out, nil
}

type servicePort struct {
	Name     string `json:"name,omitempty"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol,omitempty"`
}

type service struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Type      string        `json:"type,omitempty"`
		ClusterIP string        `json:"clusterIP,omitempty"`
		Ports     []servicePort `json:"ports,omitempty"`
	} `json:"spec"`
}

type pvc struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		VolumeName string `json:"volumeName,omitempty"`
	} `json:"spec"`
}

type pv struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		NFS *struct {
			Server string `json:"server"`
			Path   string `json:"path"`
		} `json:"nfs,omitempty"`
	} `json:"spec"`
}

// manifests is a decoded multi-document manifest set (rendered output plus test-supplied objects).
type manifests struct {
	objects []object
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

func parseManifests(data []byte) (*manifests, error) {
	m := &manifests{}
	for _, doc := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, fmt.Errorf("decoding manifest document: %v\n%s", err, doc)
		}
		if o.Kind == "" {
			return nil, fmt.Errorf("manifest document without kind:\n%s", doc)
		}
		if o.Kind == "List" {
			var l struct {
				Items []any `json:"items"`
			}
			if err := yaml.Unmarshal([]byte(doc), &l); err != nil {
				return nil, err
			}
			for _, it := range l.Items {
				b, _ := yaml.Marshal(it)
				sub, err := parseManifests(b)
				if err != nil {
					return nil, err
				}
				m.objects = append(m.objects, sub.objects...)
			}
			continue
		}
		o.raw = []byte(doc)
		m.objects = append(m.objects, o)
	}
	return m, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func (m *manifests) find(kind, namespace, name string) *object {
	for i := range m.objects {
		o := &m.objects[i]
		if o.Kind == kind && o.Metadata.Name == name && (namespace == "" || o.Metadata.Namespace == namespace || o.Metadata.Namespace == "") {
			return o
		}
	}
	return nil
}

func (m *manifests) ofKind(kind string) []*object {
	var out []*object
	for i := range m.objects {
		if m.objects[i].Kind == kind {
			out = append(out, &m.objects[i])
		}
	}
	return out
}

func decodeInto(o *object, v any) error {
	if err := yaml.Unmarshal(o.raw, v); err != nil {
		return fmt.Errorf("%s %s: %v", o.Kind, o.Metadata.Name, err)
	}
	return nil
}

// ---------------------------------------------------------------- $(VAR) expansion, as the kubelet does it
// (k8s.io/kubernetes/third_party/forked/golang/expansion): $(NAME) is replaced when NAME is defined earlier in
// the list (or is a service-link variable); $$ is an escaped $; an undefined reference is kept verbatim.

func expandVars(input string, mapping func(string) string) string {
	var buf bytes.Buffer
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == '$' && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := tryReadVariableName(input[cursor+1:])
			if isVar {
				buf.WriteString(mapping(read))
			} else {
				buf.WriteString(read)
			}
			cursor += advance
			checkpoint = cursor + 1
		}
	}
	return buf.String() + input[checkpoint:]
}

func tryReadVariableName(input string) (string, bool, int) {
	switch input[0] {
	case '$':
		return input[0:1], false, 1
	case '(':
		for i := 1; i < len(input); i++ {
			if input[i] == ')' {
				return input[1:i], true, i + 1
			}
		}
		return "$(", false, 1
	default:
		return "$" + string(input[0]), false, 1
	}
}

func mappingFor(contexts ...map[string]string) func(string) string {
	return func(name string) string {
		for _, c := range contexts {
			if v, ok := c[name]; ok {
				return v
			}
		}
		return "$(" + name + ")"
	}
}
