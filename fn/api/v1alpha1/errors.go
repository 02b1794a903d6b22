package v1alpha1

import (
	"fmt"
	"strings"
)

// FieldError is one problem with the config: the field path (spec.exposure.nodePorts.amqp)
// and a message that says what is wrong and what would be valid.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// FieldErrors is every problem found; it is an error when non-empty.
type FieldErrors []FieldError

func (errs FieldErrors) Error() string {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// add records a problem at path; format and args build the message.
func (errs *FieldErrors) add(path, format string, args ...any) {
	*errs = append(*errs, FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}
