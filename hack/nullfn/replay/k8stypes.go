//go:build k8stypes

package main

// Built with -tags k8stypes, this floor also links the k8s.io/api groups rabbitmq-krm renders
// (hack/nullfn/k8stypes): what a function that uses the typed API pays before any work.
import _ "github.com/rabbitmq-krm/rabbitmq-krm/hack/nullfn/k8stypes"
