// Command schemagen writes schema/rabbitmqcluster.v1alpha1.json, the JSON Schema of the
// config, from the Go types in fn/api/v1alpha1. Run it from the module root: make schema.
package main

import (
	"fmt"
	"os"

	"github.com/rabbitmq-krm/rabbitmq-krm/schema"
)

func main() {
	b, err := schema.Generate()
	if err == nil {
		err = os.WriteFile(schema.File, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
