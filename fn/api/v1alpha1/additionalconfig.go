package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/rabbitmq-krm/rabbitmq-krm/fn/rabbitconf/confschema"
)

// AdditionalConfig is rabbitmq.conf text. In the config it is a multi-line string, or a map
// of key: value that decoding turns into sorted "key = value" lines.
type AdditionalConfig string

func (a *AdditionalConfig) UnmarshalJSON(data []byte) error {
	if !bytes.HasPrefix(data, []byte("{")) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return &json.UnmarshalTypeError{Value: jsonKind(data), Type: reflect.TypeOf(*a)}
		}
		*a = AdditionalConfig(s)
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep 3600000 as written, not 3.6e+06
	if err := dec.Decode(&m); err != nil {
		return err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		switch v := m[k].(type) {
		case string, json.Number, bool:
			fmt.Fprintf(&b, "%s = %v\n", k, v)
		default:
			// A nested map or list: rabbitmq.conf keys are dotted paths with scalar values.
			return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeOf(*a)}
		}
	}
	*a = AdditionalConfig(b.String())
	return nil
}

// ConfLine is one key = value line of rabbitmq.conf.
type ConfLine struct {
	Number     int // 1-based line of the text
	Key, Value string
	// Problem says why the line is not a usable key = value line ("" when it is).
	Problem string
}

// confKeyPattern is a rabbitmq.conf key: dot-separated words.
var confKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// Lines reads the lines that are not blank or # comments, in order.
func (a AdditionalConfig) Lines() []ConfLine {
	var lines []ConfLine
	for i, text := range strings.Split(string(a), "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		l := ConfLine{Number: i + 1, Key: strings.TrimSpace(key), Value: strings.TrimSpace(value)}
		switch {
		case !ok || l.Value == "":
			l.Problem = fmt.Sprintf("%q is not key = value, e.g. channel_max = 1024", text)
		case !confKeyPattern.MatchString(l.Key):
			l.Problem = fmt.Sprintf("%q is not a rabbitmq.conf key: keys are dot-separated words, e.g. log.console.level", l.Key)
		case strings.Contains(l.Value, "#"):
			l.Problem = fmt.Sprintf("the value of %s contains '#', where rabbitmq.conf starts a comment: set it in spec.advancedConfig", l.Key)
		}
		lines = append(lines, l)
	}
	return lines
}

// validateAdditionalConfig checks every line against the schema of the config's series.
func (c *RabbitMQCluster) validateAdditionalConfig(errs *field.ErrorList) {
	const p = "spec.additionalConfig"
	lines := c.Spec.AdditionalConfig.Lines()
	if len(lines) == 0 {
		return // reading the schema costs a tenth of a render
	}
	series, err := ParseSeries(c.Spec.Version)
	schema, known := confschema.For(series.String())
	seen := map[string]int{}
	for _, l := range lines {
		switch first, dup := seen[l.Key]; {
		case l.Problem != "":
			add(errs, p, "line %d: %s", l.Number, l.Problem)
		case err != nil || !known:
			// validateVersion reports a version outside the known series.
		case dup:
			add(errs, p, "line %d sets %s again (first on line %d): keep one", l.Number, l.Key, first)
		default:
			seen[l.Key] = l.Number
			c.checkConfLine(errs, schema, series, l)
		}
	}
}

func (c *RabbitMQCluster) checkConfLine(errs *field.ErrorList, schema *confschema.Schema, series Series, l ConfLine) {
	const p = "spec.additionalConfig"
	m, known := schema.Lookup(l.Key)
	if !known {
		add(errs, p, "line %d: %s is not a rabbitmq.conf key of RabbitMQ %s%s", l.Number, l.Key, series, suggestKey(schema, l.Key))
		return
	}
	// The node expands $(VAR) from its environment (spec.env) before it checks the type.
	if want := m.Check(l.Value); want != "" && !strings.Contains(l.Value, "$(") {
		add(errs, p, "line %d: %s = %s is refused by RabbitMQ %s: want %s", l.Number, l.Key, l.Value, series, want)
	}
}

// suggestKey names the valid key nearest to an unknown one, with $var segments filled in
// from what the user wrote.
func suggestKey(schema *confschema.Schema, key string) string {
	candidates := make([]string, 0, len(schema.Keys()))
	for _, k := range schema.Keys() {
		candidates = append(candidates, confschema.Instantiate(k, key))
	}
	if best := closest(key, candidates, 1+len(key)/4); best != "" {
		return "; did you mean " + strconv.Quote(best) + "?"
	}
	return " (the keys are listed at https://www.rabbitmq.com/docs/configure#config-items)"
}
