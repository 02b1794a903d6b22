package v1alpha1

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Load decodes, defaults and validates one config in a single pass, so that a misspelt
// field and an invalid value are reported together. A document that cannot be read as a
// RabbitMQCluster at all (not YAML, wrong types, wrong apiVersion/kind) stops at that.
func Load(data []byte) (*RabbitMQCluster, error) {
	c, unknown, err := decode(data)
	if err != nil {
		return nil, err
	}
	c.Default()
	if errs := append(unknown, c.Validate()...); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Decode reads one RabbitMQCluster strictly: unknown and duplicate fields, wrong types and a
// wrong apiVersion/kind are FieldErrors that name the field (with a spelling suggestion for
// unknown fields). It does not default or validate.
func Decode(data []byte) (*RabbitMQCluster, error) {
	c, unknown, err := decode(data)
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, unknown
	}
	return c, nil
}

// decode returns the config with its unknown and duplicate fields as FieldErrors; err is set
// when the document cannot be a RabbitMQCluster at all.
func decode(data []byte) (*RabbitMQCluster, FieldErrors, error) {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, nil, FieldErrors{{Field: "(document)", Message: "is not valid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}}
	}
	var c RabbitMQCluster
	strictErrs, err := sigsjson.UnmarshalStrict(j, &c)
	if err != nil {
		return nil, nil, FieldErrors{typeError(err)}
	}
	if c.APIVersion != APIVersion || c.Kind != Kind {
		var errs FieldErrors
		errs.add("apiVersion", "%s/%s is not a config of this function: want apiVersion: %s and kind: %s", orNone(c.APIVersion), orNone(c.Kind), APIVersion, Kind)
		return nil, nil, errs
	}
	var unknown FieldErrors
	for _, e := range strictErrs {
		unknown = append(unknown, strictError(e))
	}
	return &c, unknown, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

var strictErrorPattern = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)

func strictError(e error) FieldError {
	m := strictErrorPattern.FindStringSubmatch(e.Error())
	if m == nil {
		return FieldError{Field: "(document)", Message: e.Error()}
	}
	field := m[2]
	if strings.HasSuffix(field, ".") || field == "" {
		return FieldError{Field: orDocument(parentPath(field)), Message: "has a key that is an empty string: remove it"}
	}
	if m[1] == "duplicate" {
		return FieldError{Field: field, Message: "is set twice: keep one"}
	}
	msg := "is not a field of " + APIVersion + " " + Kind
	if s := suggestField(field); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if known := knownFields(parentPath(field)); len(known) > 0 {
		msg += "; valid fields here: " + strings.Join(known, ", ")
	}
	return FieldError{Field: field, Message: msg}
}

var typeErrorPattern = regexp.MustCompile(`cannot unmarshal (.+) into Go struct field [A-Za-z0-9_]+\.(\S+) of type (\S+)`)

var documentTypeErrorPattern = regexp.MustCompile(`cannot unmarshal (.+) into Go value of type`)

func typeError(err error) FieldError {
	m := typeErrorPattern.FindStringSubmatch(err.Error())
	if m == nil {
		if d := documentTypeErrorPattern.FindStringSubmatch(err.Error()); d != nil {
			return FieldError{Field: "(document)", Message: fmt.Sprintf("is %s: a config is a map with apiVersion, kind, metadata and spec", article(d[1]))}
		}
		return FieldError{Field: "(document)", Message: "cannot be read: " + err.Error()}
	}
	want := describeType(m[3])
	if n, err := strconv.ParseFloat(strings.TrimPrefix(m[1], "number "), 64); err == nil && want == "an integer" && n == math.Trunc(n) {
		limit := int64(math.MaxInt32)
		if strings.HasSuffix(m[3], "int64") {
			limit = math.MaxInt64
		}
		return FieldError{Field: m[2], Message: fmt.Sprintf("%.0f is out of range: the field holds at most %d", n, limit)}
	}
	return FieldError{Field: m[2], Message: fmt.Sprintf("is %s: want %s", article(m[1]), want)}
}

func orDocument(field string) string {
	if field == "" {
		return "(document)"
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
	name := field[strings.LastIndex(field, ".")+1:]
	best, bestDist := "", 3
	for _, k := range knownFields(parentPath(field)) {
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
