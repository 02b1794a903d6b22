// Command coredns is CoreDNS with only the plugins the test node's Corefile uses (manifests/coredns.yaml).
// The upstream main imports every plugin, including the cloud DNS providers and their SDKs; leaving them out
// roughly halves a cold build on 2 cores. Plugin order comes from CoreDNS's own dnsserver.Directives.
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
