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

// ID is the schema's $id: where the v1alpha1 schema is published, the file at the tip of the
// main branch. It stays the same for as long as the API is v1alpha1 (a new API version gets a
// new file, and so a new $id); editors and schema stores may cache by it.
const ID = "https://raw.githubusercontent.com/rabbitmq-krm/rabbitmq-krm/main/" + File

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
		Anonymous:      true, // the reflector's $id would name the Go type; ID is set below
		ExpandedStruct: true,
		// Inline every type: each field then keeps its own comment (a $ref would share the
		// type's), and rules can address fields by path.
		DoNotReference: true,
		// The strict decoder requires no field; rules say what Validate requires.
		RequiredFromJSONSchemaTags: true,
		LookupComment:              kubernetesDoc,
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
	s.ID = jsonschema.ID(ID)
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
	if path := unexplained(s, ""); path != "" {
		return nil, fmt.Errorf("schema: the pattern at %q has no patternErrorMessage: add explain(...) to its rule", path)
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

// unexplained returns the path of the first pattern without a patternErrorMessage ("" when
// every pattern has one): without it, editors report only the regular expression.
func unexplained(s *jsonschema.Schema, path string) string {
	if s == nil {
		return ""
	}
	if _, ok := s.Extras[patternErrorMessage]; s.Pattern != "" && !ok {
		return path
	}
	var children []string
	var schemas []*jsonschema.Schema
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			children, schemas = append(children, path+"."+pair.Key), append(schemas, pair.Value)
		}
	}
	children, schemas = append(children, path+"[]", path+"{}"), append(schemas, s.Items, s.AdditionalProperties)
	for i, sub := range s.AnyOf {
		children, schemas = append(children, fmt.Sprintf("%s|%d", path, i)), append(schemas, sub)
	}
	for i, sub := range schemas {
		if p := unexplained(sub, children[i]); p != "" {
			return p
		}
	}
	return ""
}

// metadataSchema replaces the reflected ObjectMeta (dozens of server-side fields) with the
// fields the function reads. Others (uid, generateName, ...) are ignored by the function, so
// the schema flags them, which also catches a misspelt name or namespace. Annotations and
// labels stay open: kpt and kustomize add their own (config.kubernetes.io/*,
// internal.config.kubernetes.io/*).
func metadataSchema() *jsonschema.Schema {
	stringMap := func(description string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "string"}, Description: description}
	}
	props := jsonschema.NewProperties()
	props.Set("name", &jsonschema.Schema{Type: "string", Description: "Name prefixes every generated object."})
	props.Set("namespace", &jsonschema.Schema{Type: "string", Description: "Namespace, when set, is the namespace of every namespaced object. When absent, generated objects carry no namespace, so a kustomize `namespace:` can set it."})
	props.Set("labels", stringMap("Labels of the config object itself."))
	props.Set("annotations", stringMap("Annotations of the config object, e.g. config.kubernetes.io/function or config.kubernetes.io/local-config."))
	return &jsonschema.Schema{
		Type: "object", Properties: props, Required: []string{"name"},
		AdditionalProperties: jsonschema.FalseSchema,
	}
}

type rule func(*jsonschema.Schema)

func required(names ...string) rule { return func(s *jsonschema.Schema) { s.Required = names } }
func constant(v any) rule           { return func(s *jsonschema.Schema) { s.Const = v } }
func describe(d string) rule        { return func(s *jsonschema.Schema) { s.Description = d } }
func def(v any) rule                { return func(s *jsonschema.Schema) { s.Default = v } }
func pattern(p string) rule         { return func(s *jsonschema.Schema) { s.Pattern = p } }
func unique() rule                  { return func(s *jsonschema.Schema) { s.UniqueItems = true } }
func maxLength(n uint64) rule       { return func(s *jsonschema.Schema) { s.MaxLength = &n } }

// patternErrorMessage is the message yaml-language-server and VS Code show when a value does
// not match a pattern, instead of the regular expression itself.
const patternErrorMessage = "patternErrorMessage"

// explain gives a pattern a readable message and examples of valid values. On a
// quantityValue field it applies to the string branch, which holds the pattern.
func explain(message string, examples ...any) rule {
	return func(s *jsonschema.Schema) {
		target := s
		for _, sub := range s.AnyOf {
			if sub.Pattern != "" {
				target = sub
			}
		}
		if target.Extras == nil {
			target.Extras = map[string]any{}
		}
		target.Extras[patternErrorMessage] = message
		s.Examples = examples
	}
}
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

// confLines accepts what v1alpha1.AdditionalConfig does: rabbitmq.conf text, or a map of
// keys to strings, numbers or booleans.
func confLines() rule {
	return func(s *jsonschema.Schema) {
		s.Type = ""
		scalar := &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
		s.AnyOf = []*jsonschema.Schema{{Type: "string"}, {Type: "object", AdditionalProperties: scalar}}
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
func subdomain(example string) []rule {
	return []rule{pattern(dns1123Subdomain), maxLength(253), explain(objectName, example)}
}

// The messages editors show for a value that does not match a pattern.
const (
	objectName     = "Must be a Kubernetes object name (a DNS subdomain): lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters."
	namespaceLabel = "Must be a Kubernetes namespace name (an RFC 1123 label): lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters."
	imageMessage   = "Must be a container image reference: [registry[:port]/]repository[:tag][@sha256:digest], the repository in lowercase, e.g. rabbitmq:4.2.3-management."
	pluginMessage  = "Must be a RabbitMQ plugin name: lowercase letters, digits and '_', starting with a letter, e.g. rabbitmq_shovel."
	quantityMsg    = "Must be a Kubernetes quantity: a number with an optional suffix (Ki, Mi, Gi, Ti, m, k, M, G, ...), e.g. 10Gi, 512Mi, 500m or 2."
)

// rules restate what the decoder and v1alpha1.Validate check field by field, where a schema
// can say it; cross-field checks (e.g. classic discovery needs a namespace) stay with
// Validate. A rule whose path no longer exists fails Generate. The schema describes configs
// as written: an explicit "" or a node port of 0, which the function reads as unset, is
// rejected.
var rules = map[string][]rule{
	"":           {required("apiVersion", "kind", "metadata")},
	"apiVersion": {constant(v1alpha1.APIVersion), describe("Must be " + v1alpha1.APIVersion + ".")},
	"kind":       {constant(v1alpha1.Kind), describe("Must be " + v1alpha1.Kind + ".")},
	// (the description is a rule: the reflector gives the embedded ObjectMeta the field's comment, none)
	"metadata": {describe("The function reads name, namespace, labels and annotations; no other metadata field is allowed (labels and annotations take any key).")},
	"metadata.name": {pattern(dns1035Label), maxLength(v1alpha1.MaxNameLength),
		explain(fmt.Sprintf("Must be an RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most %d characters (pod names add -<ordinal>).", v1alpha1.MaxNameLength), "rabbitmq", "orders-mq")},
	"metadata.namespace": {pattern(dns1123Label), maxLength(63), explain(namespaceLabel, "ns-rabbitmq")},

	"spec.replicas":      {minimum(1), maximum(v1alpha1.MaxReplicas), def(v1alpha1.DefaultReplicas)},
	"spec.scaleDownFrom": {minimum(2), maximum(v1alpha1.MaxReplicas)},
	"spec.image":         {pattern(imageRef), def(v1alpha1.DefaultImage), explain(imageMessage, "rabbitmq:4.2.3-management", "registry.example.com/mirror/rabbitmq:3.13.7-management")},
	"spec.version":       {from(v1alpha1.VersionPattern), explain("Must be a RabbitMQ series (major.minor) or release (major.minor.patch), e.g. 4.2 or 3.13.7.", "4.2", "3.13.7")},
	"spec.clusterDomain": {pattern(dns1123Subdomain), maxLength(253), def(v1alpha1.DefaultClusterDomain), explain("Must be a DNS domain: lowercase letters, digits, '-' and '.', e.g. cluster.local.", "cluster.local")},

	"spec.discovery.mode":             {enum(v1alpha1.DiscoveryModes...), def(v1alpha1.DiscoveryK8s)},
	"spec.discovery.etcd.keyPrefix":   {from(v1alpha1.EtcdKeyPrefixPattern), def(v1alpha1.DefaultEtcdKeyPrefix), explain("Must be letters, digits, '_', '/' and '-' only, e.g. rabbitmq-discovery.", "rabbitmq-discovery")},
	"spec.discovery.etcd.nodeTTL":     {minimum(v1alpha1.MinEtcdSeconds), def(v1alpha1.DefaultEtcdNodeTTL)},
	"spec.discovery.etcd.lockTimeout": {minimum(v1alpha1.MinEtcdSeconds), def(v1alpha1.DefaultEtcdLockTimeout)},
	"spec.discovery.etcd.image":       {pattern(imageRef), def(v1alpha1.DefaultEtcdImage), explain(imageMessage, v1alpha1.DefaultEtcdImage)},

	"spec.exposure.type":                  {enum(v1alpha1.ExposureClusterIP, v1alpha1.ExposureNodePort, v1alpha1.ExposureLoadBalancer), def(v1alpha1.ExposureClusterIP)},
	"spec.exposure.nodePorts.amqp":        {minimum(v1alpha1.NodePortMin), maximum(v1alpha1.NodePortMax)},
	"spec.exposure.nodePorts.management":  {minimum(v1alpha1.NodePortMin), maximum(v1alpha1.NodePortMax)},
	"spec.exposure.ingress":               {required("host")},
	"spec.exposure.ingress.className":     subdomain("nginx"),
	"spec.exposure.ingress.tlsSecretName": subdomain("rabbitmq-ui-tls"),

	"spec.persistence.size":             {quantityValue(), def(v1alpha1.DefaultPersistenceSize), explain(quantityMsg, "10Gi", "500Mi")},
	"spec.persistence.storageClassName": subdomain("fast-ssd"),
	"spec.persistence.nfs":              {required("server", "path")},
	"spec.persistence.nfs.path":         {pattern(`^/`), explain("Must be the absolute path of the export on the NFS server, e.g. /nfs/data/mqdata.", "/nfs/data/mqdata")},

	"spec.plugins":                 {unique()},
	"spec.plugins[]":               {from(v1alpha1.PluginNamePattern), explain(pluginMessage, "rabbitmq_shovel", "rabbitmq_mqtt")},
	"spec.erlangCookie.secretName": subdomain("rabbitmq-erlang-cookie"),
	"spec.erlangCookie.secretKey": {pattern(`^[-._a-zA-Z0-9]+$`), maxLength(253), def(v1alpha1.DefaultErlangCookieKey),
		explain("Must be a Secret key: letters, digits, '-', '_' and '.', e.g. .erlang.cookie.", v1alpha1.DefaultErlangCookieKey)},

	"spec.resources.requests.cpu":    {quantityValue(), explain(quantityMsg, "500m", 1)},
	"spec.resources.requests.memory": {quantityValue(), explain(quantityMsg, "2Gi")},
	"spec.resources.limits.cpu":      {quantityValue(), explain(quantityMsg, "2")},
	"spec.resources.limits.memory":   {quantityValue(), explain(quantityMsg, "2Gi")},

	"spec.terminationGracePeriodSeconds": {minimum(v1alpha1.MinTerminationGracePeriodSeconds), def(v1alpha1.DefaultTerminationGracePeriodSeconds)},
	"spec.podManagementPolicy":           {enum(v1alpha1.PodManagementParallel, v1alpha1.PodManagementOrderedReady), def(v1alpha1.PodManagementParallel)},

	"spec.communityPlugins[]":      {required("name", "url", "sha256")},
	"spec.communityPlugins[].name": {from(v1alpha1.PluginNamePattern), explain(pluginMessage, "rabbitmq_delayed_message_exchange")},
	"spec.communityPlugins[].url": {pattern(`^https?://[^\s"'\\]+\.ez$`),
		explain("Must be an http(s) URL of a plugin archive ending in .ez, without spaces or quotes.", "https://github.com/rabbitmq/rabbitmq-delayed-message-exchange/releases/download/v4.2.0/rabbitmq_delayed_message_exchange-v4.2.0.ez")},
	"spec.communityPlugins[].sha256": {from(v1alpha1.SHA256Pattern),
		explain("Must be the SHA-256 of the .ez file: 64 lowercase hex digits, as `sha256sum FILE` prints them.")},
	"spec.defaultUser":                      {required("secretName")},
	"spec.defaultUser.secretName":           subdomain("rabbitmq-admin"),
	"spec.tls":                              {required("secretName")},
	"spec.tls.secretName":                   subdomain("rabbitmq-tls"),
	"spec.tls.caSecretName":                 subdomain("rabbitmq-ca"),
	"spec.networkPolicy.clientNamespaces[]": {pattern(dns1123Label), maxLength(63), explain(namespaceLabel, "shop")},
	"spec.additionalConfig":                 {confLines()},
	"spec.env[]":                            {required("name")},

	"spec.definitions.vhosts[]":                   {required("name")},
	"spec.definitions.exchanges[]":                {required("name")},
	"spec.definitions.exchanges[].vhost":          {def(v1alpha1.DefaultVhost)},
	"spec.definitions.exchanges[].type":           {def(v1alpha1.DefaultExchangeType)},
	"spec.definitions.exchanges[].durable":        {def(true)},
	"spec.definitions.queues[]":                   {required("name")},
	"spec.definitions.queues[].vhost":             {def(v1alpha1.DefaultVhost)},
	"spec.definitions.queues[].type":              {enum(v1alpha1.QueueClassic, v1alpha1.QueueQuorum, v1alpha1.QueueStream), def(v1alpha1.DefaultQueueType)},
	"spec.definitions.queues[].durable":           {def(true)},
	"spec.definitions.bindings[]":                 {required("source", "destination")},
	"spec.definitions.bindings[].vhost":           {def(v1alpha1.DefaultVhost)},
	"spec.definitions.bindings[].destinationType": {enum(v1alpha1.DestinationQueue, v1alpha1.DestinationExchange), def(v1alpha1.DefaultDestinationType)},
	"spec.definitions.policies[]":                 {required("name", "pattern", "definition")},
	"spec.definitions.policies[].vhost":           {def(v1alpha1.DefaultVhost)},
	"spec.definitions.policies[].applyTo":         {enum("all", "queues", "exchanges", "classic_queues", "quorum_queues", "streams"), def(v1alpha1.DefaultPolicyApplyTo)},
	"spec.definitions.policies[].priority":        {minimum(0)},
	"spec.definitions.configMapName":              subdomain("rabbitmq-definitions"),
	"spec.serviceMonitor.interval": {from(v1alpha1.ScrapeIntervalPattern), def(v1alpha1.DefaultScrapeInterval),
		explain("Must be a Prometheus duration: hours, minutes, seconds and milliseconds in that order, e.g. 30s, 1m or 1m30s.", "30s", "1m")},

	"spec.monitoring.prometheusRule.for":                                      promDuration(v1alpha1.DefaultAlertFor),
	"spec.monitoring.prometheusRule.window":                                   promDuration(v1alpha1.DefaultAlertWindow),
	"spec.monitoring.prometheusRule.thresholds.fileDescriptorsPercent":        {minimum(1), maximum(100), def(v1alpha1.DefaultFileDescriptorsPercent)},
	"spec.monitoring.prometheusRule.thresholds.tcpSocketsPercent":             {minimum(1), maximum(100), def(v1alpha1.DefaultTCPSocketsPercent)},
	"spec.monitoring.prometheusRule.thresholds.unroutableMessages":            {minimum(1), def(v1alpha1.DefaultUnroutableMessages)},
	"spec.monitoring.prometheusRule.thresholds.connectionChurnPercent":        {minimum(1), maximum(int64(v1alpha1.MaxConnectionChurnPercent)), def(v1alpha1.DefaultConnectionChurnPercent)},
	"spec.monitoring.prometheusRule.thresholds.connectionChurnMinConnections": {minimum(0), def(v1alpha1.DefaultConnectionChurnMinConns)},
	"spec.monitoring.prometheusRule.thresholds.queueMessages":                 {minimum(1), def(v1alpha1.DefaultQueueMessages)},
}

// promDuration is a Prometheus duration as model.ParseDuration reads it (Validate also sets
// lower bounds the schema cannot know).
func promDuration(defaultValue string) []rule {
	return []rule{from(v1alpha1.PrometheusDurationPattern), def(defaultValue),
		explain("Must be a Prometheus duration: a number with a unit (ms, s, m, h, d, w, y), units from largest to smallest, e.g. 30s, 5m or 1h30m.", defaultValue, "10m")}
}
