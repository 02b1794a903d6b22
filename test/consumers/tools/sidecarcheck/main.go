// sidecarcheck checks a built Argo CD install (a YAML stream, e.g. `kustomize build argocd/example-install`
// with Argo CD's install.yaml replaced by a stand-in) for what the argocd/ component must add to the
// argocd-repo-server: the rabbitmq-krm sidecar running argocd-cmp-server as uid 999, the install init
// container, the mounts and the plugin ConfigMap. Running the plugin itself is tested with Argo CD's own
// repo-server and cmp-server code in test/argocd (make test-argocd).
//
// Usage: sidecarcheck INSTALL.yaml
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sidecarcheck INSTALL.yaml")
		os.Exit(2)
	}
	if problems := checkSidecar(os.Args[1]); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "sidecar check:", p)
		}
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "sidecar check: OK")
}
