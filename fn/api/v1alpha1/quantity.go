package v1alpha1

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Quantity is a Kubernetes quantity as written in the config, e.g. 500m, 2 or 10Gi. Like
// Kubernetes itself it accepts a bare YAML number (cpu: 1) as well as a string; Validate
// parses it.
type Quantity string

func (q *Quantity) UnmarshalJSON(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte(`"`)):
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*q = Quantity(s)
	case len(data) > 0 && (data[0] == '-' || (data[0] >= '0' && data[0] <= '9')):
		*q = Quantity(data) // the number's literal text: 1, 0.5, 1e3
	default:
		// The decoder adds the field path to this error, like to its own type errors.
		return &json.UnmarshalTypeError{Value: jsonKind(data), Type: reflect.TypeOf(*q)}
	}
	return nil
}

func jsonKind(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("{")):
		return "object"
	case bytes.HasPrefix(data, []byte("[")):
		return "array"
	case bytes.Equal(data, []byte("null")):
		return "null"
	}
	return "bool"
}
