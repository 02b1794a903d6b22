package v1alpha1

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Load decodes, defaults and validates one config in a single pass, so that a misspelt
// field and an invalid value are reported together. A document that cannot be read as a
// RabbitMQCluster at all (not YAML, wrong types, wrong apiVersion/kind) stops at that.
func Load(data []byte) (*RabbitMQCluster, field.ErrorList) {
	c, errs := decode(data)
	if c == nil {
		return nil, errs
	}
	c.Default()
	if errs = append(errs, c.Validate()...); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Decode reads one RabbitMQCluster strictly: unknown fields, wrong types and a wrong
// apiVersion/kind are errors that name the field (with a spelling suggestion for unknown
// fields). It does not default or validate.
func Decode(data []byte) (*RabbitMQCluster, field.ErrorList) {
	c, errs := decode(data)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// decode returns the config and its unknown fields; the config is nil when the document
// cannot be a RabbitMQCluster at all.
func decode(data []byte) (*RabbitMQCluster, field.ErrorList) {
	// Strict YAML refuses duplicate keys, so the only strict JSON errors left are unknown fields.
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, field.ErrorList{invalid(Document, "is not valid YAML: "+strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))}
	}
	var c RabbitMQCluster
	unknown, err := sigsjson.UnmarshalStrict(j, &c, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, field.ErrorList{typeError(j, err)}
	}
	if c.APIVersion != APIVersion || c.Kind != Kind {
		return nil, field.ErrorList{invalid("apiVersion", fmt.Sprintf("%s/%s is not a config of this function: want apiVersion: %s and kind: %s",
			orNone(c.APIVersion), orNone(c.Kind), APIVersion, Kind))}
	}
	var errs field.ErrorList
	for _, e := range unknown {
		errs = append(errs, unknownField(e))
	}
	return &c, errs
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// unknownField describes a sigs.k8s.io/json strict error (a sigsjson.FieldError).
func unknownField(e error) *field.Error {
	fe, ok := e.(sigsjson.FieldError)
	if !ok {
		return invalid(Document, e.Error())
	}
	path := fe.FieldPath()
	if strings.HasSuffix(path, ".") || path == "" {
		return invalid(orDocument(parentPath(path)), "has a key that is an empty string: remove it")
	}
	msg := "is not a field of " + APIVersion + " " + Kind
	if s := suggestField(path); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if known := knownFields(parentPath(path)); len(known) > 0 {
		msg += "; valid fields here: " + strings.Join(known, ", ")
	}
	return invalid(path, msg)
}

// typeError describes the first value of a wrong type. sigs.k8s.io/json's type error is a
// type internal to it, so the document is decoded again by encoding/json (which it forks: the
// same decoder), whose *json.UnmarshalTypeError names the field and both types.
func typeError(j []byte, err error) *field.Error {
	var te *json.UnmarshalTypeError
	if !errors.As(json.Unmarshal(j, new(RabbitMQCluster)), &te) {
		return invalid(Document, "cannot be read: "+err.Error())
	}
	if te.Field == "" {
		return invalid(Document, fmt.Sprintf("is %s: a config is a map with apiVersion, kind, metadata and spec", article(te.Value)))
	}
	want := describeType(te.Type.String())
	if n, err := strconv.ParseFloat(strings.TrimPrefix(te.Value, "number "), 64); err == nil && want == "an integer" && n == math.Trunc(n) {
		limit := int64(math.MaxInt32)
		if te.Type.Kind() == reflect.Int64 {
			limit = math.MaxInt64
		}
		return invalid(te.Field, fmt.Sprintf("%.0f is out of range: the field holds at most %d", n, limit))
	}
	return invalid(te.Field, fmt.Sprintf("is %s: want %s", article(te.Value), want))
}

func orDocument(field string) string {
	if field == "" {
		return Document
	}
	return field
}

func article(jsonKind string) string {
	switch {
	case strings.HasPrefix(jsonKind, "number"):
		return "a number"
	case jsonKind == "array":
		return "a list"
	case jsonKind == "object":
		return "a map"
	case jsonKind == "bool":
		return "a boolean"
	case jsonKind == "string":
		return "a string"
	}
	return "a " + jsonKind
}

func describeType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "*int"):
		return "an integer"
	case goType == "bool":
		return "true or false"
	case strings.HasSuffix(goType, "AdditionalConfig"):
		return "rabbitmq.conf lines (a multi-line string) or a map of key: value with a string, number or boolean value"
	case strings.HasSuffix(goType, "Quantity"):
		return "a quantity such as 500m, 2 or 10Gi"
	case goType == "string", strings.HasSuffix(goType, "Mode"):
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a map"
	}
	return "a map of fields"
}

func parentPath(field string) string {
	if i := strings.LastIndex(field, "."); i >= 0 {
		return field[:i]
	}
	return ""
}

// knownFields lists the JSON field names of the struct at a dotted path ("" is the root).
func knownFields(p string) []string {
	t := reflect.TypeOf(RabbitMQCluster{})
	if p != "" {
		for _, part := range strings.Split(p, ".") {
			if t = fieldType(t, part); t == nil {
				return nil
			}
		}
	}
	var names []string
	collectFields(t, &names)
	sort.Strings(names)
	return names
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

func fieldType(t reflect.Type, name string) reflect.Type {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		if tag == name {
			return deref(f.Type)
		}
		if f.Anonymous && tag == "" {
			if ft := fieldType(f.Type, name); ft != nil {
				return ft
			}
		}
	}
	return nil
}

func collectFields(t reflect.Type, names *[]string) {
	t = deref(t)
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")[0]
		switch {
		case f.Anonymous && tag == "":
			collectFields(f.Type, names)
		case tag != "" && tag != "-" && f.IsExported():
			*names = append(*names, tag)
		}
	}
}

// suggestField returns the known field closest to the unknown one's last segment, if close.
func suggestField(field string) string {
	return closest(field[strings.LastIndex(field, ".")+1:], knownFields(parentPath(field)), 3)
}

// closest is the did-you-mean of error messages: the candidate equal to name but for case,
// else the one nearest to it by edit distance if that is below limit ("" when none is).
func closest(name string, candidates []string, limit int) string {
	best, bestDist := "", limit
	for _, k := range candidates {
		if strings.EqualFold(k, name) {
			return k
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(name)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
