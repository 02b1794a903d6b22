# test/k8s: apply every rendered manifest set (testdata/golden/*/want.yaml, testdata/kustomize/*.yaml,
# test/k8s/samples, and the deliberately broken test/k8s/bad) to a real kube-apiserver +
# kube-controller-manager on 127.0.0.1. The first run builds the binaries (~15-25 min, cached in
# ~/.cache/rabbitmq-krm/k8s); later runs start the control plane in seconds. See test/k8s/README.md.
.PHONY: test-k8s test-k8s-build test-k8s-up test-k8s-down
E2E_TESTS += test-k8s

test-k8s:
	bash test/k8s/run-tests.sh

# only build/cache the binaries (e.g. to warm a CI cache)
test-k8s-build:
	bash test/k8s/cluster.sh build

# a long-lived cluster for debugging: `eval "$$(test/k8s/cluster.sh env)"` then kubectl ...;
# run-tests.sh reuses it (and leaves it running)
test-k8s-up:
	bash test/k8s/cluster.sh start

test-k8s-down:
	bash test/k8s/cluster.sh stop
