// Command replay is the floor for a kustomize exec generator whose output is rabbitmq-krm's:
// it reads its input (the ResourceList kustomize sends) to the end and writes the file named
// by its argument, rabbitmq-krm's own output for that input, saved by hack/bench.sh. It does
// no other work and imports no SDK, so `kustomize build` with it as the generator costs what
// kustomize's exec-plugin path plus handling rabbitmq-krm's objects cost, without the function.
//
//	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/replay ./hack/nullfn/replay
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: replay FILE < ResourceList")
		os.Exit(2)
	}
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "[error] %v\n", err)
		os.Exit(1)
	}
	f, err := os.Open(os.Args[1])
	if err == nil {
		_, err = io.Copy(os.Stdout, f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "[error] %v\n", err)
		os.Exit(1)
	}
}
