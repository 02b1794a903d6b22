// Command nullfn is the floor for a Go KRM function: the same SDK (kyaml's framework.Execute
// with kio.ByteReadWriter, the way its documentation sets up a function) and a processor that
// only appends one fixed ConfigMap. hack/bench.sh times it next to rabbitmq-krm, so the ratio
// between the two is what rabbitmq-krm costs on top of starting and reading and writing a
// ResourceList at all. (rabbitmq-krm itself no longer writes its output through the SDK, see
// fn/krm/stream.go; for one ConfigMap that would make no difference here.)
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/nullfn ./hack/nullfn
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: nullfn
data:
  generated-by: nullfn
`

func main() {
	process := framework.ResourceListProcessorFunc(func(rl *framework.ResourceList) error {
		cm, err := yaml.Parse(configMap)
		if err != nil {
			return err
		}
		rl.Items = append(rl.Items, cm)
		return nil
	})
	rw := &kio.ByteReadWriter{Reader: os.Stdin, Writer: os.Stdout, KeepReaderAnnotations: true}
	if err := framework.Execute(process, rw); err != nil {
		fmt.Fprintf(os.Stderr, "[error] %v\n", err)
		os.Exit(1)
	}
}
