# test/cluster: the rendered manifests on a real single-node Kubernetes (kubelet, containerd, CNI, CoreDNS,
# kube-proxy; control plane from test/k8s) with RabbitMQ 4.0.5 and 4.3.6 images built from Debian packages.
# Needs root. The first run builds everything (27 min cold beside the quick suites, measured; cached in ~/.cache/rabbitmq-krm;
# `make test` builds it beside the quick suites: test-stream-node).
# Knobs: CLUSTER_RUN (go test -run regexp), CLUSTER_CONFIGS=DIR, CLUSTER_KEEP=1; see test/cluster/README.md.
.PHONY: test-cluster test-cluster-build test-cluster-up test-cluster-down
E2E_TESTS += test-cluster

test-cluster: build
	RABBITMQ_KRM_BIN="$(CURDIR)/$(BIN)" bash test/cluster/run-tests.sh

# only build/cache binaries and images (e.g. to warm a CI cache)
test-cluster-build:
	bash test/cluster/node.sh build

# a long-lived node for debugging: `eval "$$(test/cluster/node.sh env)"` then kubectl ...
test-cluster-up:
	bash test/cluster/node.sh up

test-cluster-down:
	bash test/cluster/node.sh down
