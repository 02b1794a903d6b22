package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Problems with a config are apimachinery field errors: the field path
// (spec.exposure.nodePorts.amqp) and, as Detail, a message that says what is wrong and what
// would be valid. The value is part of the message where it helps (field.Error's own
// "Invalid value: ..." text is never shown), so BadValue is omitted.

// Document is the path of errors about the document as a whole.
const Document = "(document)"

// add records a problem at path; format and args build the message.
func add(errs *field.ErrorList, path, format string, args ...any) {
	*errs = append(*errs, invalid(path, fmt.Sprintf(format, args...)))
}

func invalid(path, message string) *field.Error {
	return &field.Error{Type: field.ErrorTypeInvalid, Field: path, BadValue: field.OmitValueType{}, Detail: message}
}
