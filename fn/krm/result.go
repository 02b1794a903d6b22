package krm

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The types below are the parts of kyaml's fn/framework package that the function uses
// (framework.Result, Results, Field, File, Severity and ResourceList), copied with the same
// fields, YAML/JSON tags and methods so that results marshal to the same bytes and errors
// read the same. Importing fn/framework itself would link kube-openapi's validation packages
// into the binary, whose init (regexps of strfmt and govalidator) cost 14% of a run's CPU
// (README, Performance). Tests compare Execute with framework.Execute through an adapter
// (package krmsdk).

// Severity indicates the severity of a Result (framework.Severity).
type Severity string

const (
	// Error indicates the result is an error. It makes the function exit non-0.
	Error Severity = "error"
	// Warning indicates the result is a warning.
	Warning Severity = "warning"
	// Info indicates the result is an informative message.
	Info Severity = "info"
)

// Result is a validation result (framework.Result).
type Result struct {
	// Message is a human readable message. This field is required.
	Message string `yaml:"message,omitempty" json:"message,omitempty"`

	// Severity is the severity of this result
	Severity Severity `yaml:"severity,omitempty" json:"severity,omitempty"`

	// ResourceRef is a reference to a resource.
	// Required fields: apiVersion, kind, name.
	ResourceRef *yaml.ResourceIdentifier `yaml:"resourceRef,omitempty" json:"resourceRef,omitempty"`

	// Field is a reference to the field in a resource this result refers to
	Field *Field `yaml:"field,omitempty" json:"field,omitempty"`

	// File references a file containing the resource this result refers to
	File *File `yaml:"file,omitempty" json:"file,omitempty"`

	// Tags is an unstructured key value map stored with a result that may be set
	// by external tools to store and retrieve arbitrary metadata
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// String is framework.Result's human-readable message for the result.
func (i Result) String() string {
	identifier := i.ResourceRef
	var idStringList []string
	if identifier != nil {
		if identifier.APIVersion != "" {
			idStringList = append(idStringList, identifier.APIVersion)
		}
		if identifier.Kind != "" {
			idStringList = append(idStringList, identifier.Kind)
		}
		if identifier.Namespace != "" {
			idStringList = append(idStringList, identifier.Namespace)
		}
		if identifier.Name != "" {
			idStringList = append(idStringList, identifier.Name)
		}
	}
	formatString := "[%s]"
	severity := i.Severity
	// Severity defaults to Info in the message.
	if i.Severity == "" {
		severity = Info
	}
	list := []any{severity}
	if len(idStringList) > 0 {
		formatString += " %s"
		list = append(list, strings.Join(idStringList, "/"))
	}
	if i.Field != nil {
		formatString += " %s"
		list = append(list, i.Field.Path)
	}
	formatString += ": %s"
	list = append(list, i.Message)
	return fmt.Sprintf(formatString, list...)
}

// File references a file containing a resource (framework.File).
type File struct {
	// Path is relative path to the file containing the resource.
	// This field is required.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`

	// Index is the index into the file containing the resource
	// (i.e. if there are multiple resources in a single file)
	Index int `yaml:"index,omitempty" json:"index,omitempty"`
}

// Field references a field in a resource (framework.Field).
type Field struct {
	// Path is the field path. This field is required.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`

	// CurrentValue is the current field value
	CurrentValue any `yaml:"currentValue,omitempty" json:"currentValue,omitempty"`

	// ProposedValue is the proposed value of the field to fix an issue.
	ProposedValue any `yaml:"proposedValue,omitempty" json:"proposedValue,omitempty"`
}

// Results are results, usable as an error (framework.Results).
type Results []*Result

// Error enables Results to be returned as an error.
func (e Results) Error() string {
	var msgs []string
	for _, i := range e {
		msgs = append(msgs, i.String())
	}
	return strings.Join(msgs, "\n\n")
}

// ExitCode is 1 when a result is an error, else 0.
func (e Results) ExitCode() int {
	for _, i := range e {
		if i.Severity == Error {
			return 1
		}
	}
	return 0
}

// ResourceList is what a Processor works on (framework.ResourceList): the items, the
// functionConfig, and the results it adds.
type ResourceList struct {
	Items          []*yaml.RNode `yaml:"items" json:"items"`
	FunctionConfig *yaml.RNode   `yaml:"functionConfig,omitempty" json:"functionConfig,omitempty"`
	Results        Results       `yaml:"results,omitempty" json:"results,omitempty"`
}
