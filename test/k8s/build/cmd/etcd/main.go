// Command etcd is the etcd server at the version that k8s.io/kubernetes pins
// (go.etcd.io/etcd/server/v3, 3.6.x for Kubernetes 1.36).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
