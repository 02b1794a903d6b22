// Command coredns is CoreDNS with only the plugins test/cluster's Corefile uses
// (test/cluster/manifests/coredns.yaml). It lives in this module, not a module of its own, so that one
// `go build` compiles the Kubernetes client packages it shares with the node binaries once: the version
// (go.mod) is the newest CoreDNS none of whose requirements is newer than this module's, so adding it
// changed no version the control plane is built from. The upstream main imports every plugin, cloud DNS
// SDKs included. Plugin order comes from CoreDNS's own dnsserver.Directives.
package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"

	"github.com/coredns/coredns/coremain"
)

func main() {
	coremain.Run()
}
