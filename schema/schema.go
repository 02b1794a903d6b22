// Package schema generates the JSON Schema of the rabbitmq-krm config (a RabbitMQCluster,
// apiVersion rabbitmq-krm.dev/v1alpha1) from the Go types in fn/api/v1alpha1. The types'
// doc comments become descriptions. The checks of Validate that a schema can state (enums,
// ranges, patterns, required fields) are attached here by JSON path, so that types.go
// carries no schema tags; their values are v1alpha1's own (rules.go, the enum constants,
// the defaults), never restated.
package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/api/v1alpha1"
)

// File is the checked-in schema, relative to the module root.
const File = "schema/rabbitmqcluster.v1alpha1.json"

const (
	modulePath = "github.com/rabbitmq-krm/rabbitmq-krm"
	apiDir     = "fn/api/v1alpha1"
)

// Generate returns the schema as indented JSON with a trailing newline; the same types give
// the same bytes. It reads the doc comments from the sources in fn/api/v1alpha1, so the
// working directory must be the module root.
func Generate() ([]byte, error) {
	if _, err := os.Stat(filepath.Join(apiDir, "types.go")); err != nil {
		return nil, fmt.Errorf("schema: run from the module root (the comments come from %s): %w", apiDir, err)
	}
	r := &jsonschema.Reflector{
		Anonymous:      true, // no $id: the schema has no canonical URL
		ExpandedStruct: true,
		// Inline every type: each field then keeps its own comment (a $ref would share the
		// type's), and rules can address fields by path.
		DoNotReference: true,
		// The strict decoder requires no field; rules say what Validate requires.
		RequiredFromJSONSchemaTags: true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if t == reflect.TypeFor[metav1.ObjectMeta]() {
				return metadataSchema()
			}
			return nil
		},
	}
	// AddGoComments keys the comments by base joined with the directory it walks, which is
	// the package's import path only when the directory is relative to the module root.
	if err := r.AddGoComments(modulePath, apiDir, jsonschema.WithFullComment()); err != nil {
		return nil, fmt.Errorf("schema: reading comments: %w", err)
	}
	s := r.Reflect(&v1alpha1.RabbitMQCluster{})
	s.Title = v1alpha1.Kind + " (" + v1alpha1.APIVersion + ")"
	for _, path := range slices.Sorted(maps.Keys(rules)) {
		field := find(s, path)
		if field == nil {
			return nil, fmt.Errorf("schema: rule for %q: no such field in %s", path, apiDir)
		}
		for _, apply := range rules[path] {
			apply(field)
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(htmlUnescaper.Replace(string(b))), '\n'), nil
}

// htmlUnescaper undoes encoding/json's HTML escaping of <, > and & (the schema is read by
// people and editors, not embedded in HTML). Escaped backslashes are matched first so that a
// literal `\\u003c` in a comment stays as it is.
var htmlUnescaper = strings.NewReplacer(`\\`, `\\`, `\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// find walks a dotted JSON path; a "[]" suffix steps into a list's items.
func find(s *jsonschema.Schema, path string) *jsonschema.Schema {
	if path == "" {
		return s
	}
	for _, name := range strings.Split(path, ".") {
		name, items := strings.CutSuffix(name, "[]")
		if s.Properties == nil {
			return nil
		}
		var ok bool
		if s, ok = s.Properties.Get(name); !ok {
			return nil
		}
		if items {
			if s = s.Items; s == nil {
				return nil
			}
		}
	}
	return s
}

// metadataSchema replaces the reflected ObjectMeta (dozens of server-side fields) with what a
// config uses. Other ObjectMeta fields stay allowed: the decoder accepts them.
func metadataSchema() *jsonschema.Schema {
	stringMap := func(description string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "string"}, Description: description}
	}
	props := jsonschema.NewProperties()
	props.Set("name", &jsonschema.Schema{Type: "string", Description: "Name prefixes every generated object."})
	props.Set("namespace", &jsonschema.Schema{Type: "string", Description: "Namespace, when set, is the namespace of every namespaced object. When absent, generated objects carry no namespace, so a kustomize `namespace:` can set it."})
	props.Set("labels", stringMap("Labels of the config object itself."))
	props.Set("annotations", stringMap("Annotations of the config object, e.g. config.kubernetes.io/function or config.kubernetes.io/local-config."))
	return &jsonschema.Schema{Type: "object", Properties: props, Required: []string{"name"}}
}

type rule func(*jsonschema.Schema)

func required(names ...string) rule { return func(s *jsonschema.Schema) { s.Required = names } }
func constant(v any) rule           { return func(s *jsonschema.Schema) { s.Const = v } }
func describe(d string) rule        { return func(s *jsonschema.Schema) { s.Description = d } }
func def(v any) rule                { return func(s *jsonschema.Schema) { s.Default = v } }
func pattern(p string) rule         { return func(s *jsonschema.Schema) { s.Pattern = p } }
func unique() rule                  { return func(s *jsonschema.Schema) { s.UniqueItems = true } }
func maxLength(n uint64) rule       { return func(s *jsonschema.Schema) { s.MaxLength = &n } }
func minimum(n int64) rule {
	return func(s *jsonschema.Schema) { s.Minimum = json.Number(fmt.Sprint(n)) }
}
func maximum(n int64) rule {
	return func(s *jsonschema.Schema) { s.Maximum = json.Number(fmt.Sprint(n)) }
}

// quantityValue accepts what v1alpha1.Quantity does: a quantity string, or a bare number.
func quantityValue() rule {
	return func(s *jsonschema.Schema) {
		s.Type = ""
		s.AnyOf = []*jsonschema.Schema{{Type: "string", Pattern: quantity}, {Type: "number"}}
	}
}

func enum[T any](values ...T) rule {
	return func(s *jsonschema.Schema) {
		s.Enum = nil
		for _, v := range values {
			s.Enum = append(s.Enum, v)
		}
	}
}

// Kubernetes name formats and the resource.Quantity syntax, which Validate checks with
// k8s.io/apimachinery's functions (their regexps are unexported there). Go's regexp and
// ECMA-262 (what editors run) read them alike.
const (
	dns1035Label     = `^[a-z]([-a-z0-9]*[a-z0-9])?$`
	dns1123Label     = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	dns1123Subdomain = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	quantity         = `^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`
)

// imageRef is the image reference parser's grammar; its one POSIX class, which ECMA-262
// lacks, is spelled out.
var imageRef = strings.ReplaceAll(v1alpha1.ImageReferencePattern.String(), "[[:xdigit:]]", "[0-9a-fA-F]")

// from states a v1alpha1 pattern.
func from(re *regexp.Regexp) rule { return pattern(re.String()) }

// subdomain is a Kubernetes object name, e.g. of a Secret or a StorageClass.
var subdomain = []rule{pattern(dns1123Subdomain), maxLength(253)}

// rules restate what the decoder and v1alpha1.Validate check field by field, where a schema
// can say it; cross-field checks (e.g. classic discovery needs a namespace) stay with
// Validate. A rule whose path no longer exists fails Generate. The schema describes configs
// as written: an explicit "" or a node port of 0, which the function reads as unset, is
// rejected.
var rules = map[string][]rule{
	"":                   {required("apiVersion", "kind", "metadata")},
	"apiVersion":         {constant(v1alpha1.APIVersion), describe("Must be " + v1alpha1.APIVersion + ".")},
	"kind":               {constant(v1alpha1.Kind), describe("Must be " + v1alpha1.Kind + ".")},
	"metadata.name":      {pattern(dns1035Label), maxLength(v1alpha1.MaxNameLength)},
	"metadata.namespace": {pattern(dns1123Label), maxLength(63)},

	"spec.replicas":      {minimum(1), maximum(v1alpha1.MaxReplicas), def(v1alpha1.DefaultReplicas)},
	"spec.image":         {pattern(imageRef), def(v1alpha1.DefaultImage)},
	"spec.version":       {from(v1alpha1.VersionPattern)},
	"spec.clusterDomain": {pattern(dns1123Subdomain), maxLength(253), def(v1alpha1.DefaultClusterDomain)},

	"spec.discovery.mode":             {enum(v1alpha1.DiscoveryModes...), def(v1alpha1.DiscoveryK8s)},
	"spec.discovery.etcd.keyPrefix":   {from(v1alpha1.EtcdKeyPrefixPattern), def(v1alpha1.DefaultEtcdKeyPrefix)},
	"spec.discovery.etcd.nodeTTL":     {minimum(v1alpha1.MinEtcdSeconds), def(v1alpha1.DefaultEtcdNodeTTL)},
	"spec.discovery.etcd.lockTimeout": {minimum(v1alpha1.MinEtcdSeconds), def(v1alpha1.DefaultEtcdLockTimeout)},
	"spec.discovery.etcd.image":       {pattern(imageRef), def(v1alpha1.DefaultEtcdImage)},

	"spec.exposure.type":                  {enum(v1alpha1.ExposureClusterIP, v1alpha1.ExposureNodePort, v1alpha1.ExposureLoadBalancer), def(v1alpha1.ExposureClusterIP)},
	"spec.exposure.nodePorts.amqp":        {minimum(v1alpha1.NodePortMin), maximum(v1alpha1.NodePortMax)},
	"spec.exposure.nodePorts.management":  {minimum(v1alpha1.NodePortMin), maximum(v1alpha1.NodePortMax)},
	"spec.exposure.ingress":               {required("host")},
	"spec.exposure.ingress.className":     subdomain,
	"spec.exposure.ingress.tlsSecretName": subdomain,

	"spec.persistence.size":             {quantityValue(), def(v1alpha1.DefaultPersistenceSize)},
	"spec.persistence.storageClassName": subdomain,
	"spec.persistence.nfs":              {required("server", "path")},
	"spec.persistence.nfs.path":         {pattern(`^/`)},

	"spec.plugins":                 {unique()},
	"spec.plugins[]":               {from(v1alpha1.PluginNamePattern)},
	"spec.erlangCookie.secretName": subdomain,
	"spec.erlangCookie.secretKey":  {pattern(`^[-._a-zA-Z0-9]+$`), maxLength(253), def(v1alpha1.DefaultErlangCookieKey)},

	"spec.resources.requests.cpu":    {quantityValue()},
	"spec.resources.requests.memory": {quantityValue()},
	"spec.resources.limits.cpu":      {quantityValue()},
	"spec.resources.limits.memory":   {quantityValue()},

	"spec.terminationGracePeriodSeconds": {minimum(v1alpha1.MinTerminationGracePeriodSeconds), def(v1alpha1.DefaultTerminationGracePeriodSeconds)},
	"spec.podManagementPolicy":           {enum(v1alpha1.PodManagementParallel, v1alpha1.PodManagementOrderedReady), def(v1alpha1.PodManagementParallel)},

	"spec.communityPlugins[]":               {required("name", "url", "sha256")},
	"spec.communityPlugins[].name":          {from(v1alpha1.PluginNamePattern)},
	"spec.communityPlugins[].url":           {pattern(`^https?://[^\s"'\\]+\.ez$`)},
	"spec.communityPlugins[].sha256":        {from(v1alpha1.SHA256Pattern)},
	"spec.defaultUser":                      {required("secretName")},
	"spec.defaultUser.secretName":           subdomain,
	"spec.tls":                              {required("secretName")},
	"spec.tls.secretName":                   subdomain,
	"spec.tls.caSecretName":                 subdomain,
	"spec.networkPolicy.clientNamespaces[]": {pattern(dns1123Label), maxLength(63)},
	"spec.serviceMonitor.interval":          {from(v1alpha1.ScrapeIntervalPattern), def(v1alpha1.DefaultScrapeInterval)},
}
