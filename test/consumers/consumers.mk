# Real consumers end to end (project issue 4): the image, kustomize container mode, kpt fn render/eval
# (exec and image), the Argo CD plugin. Needs root for apt (docker.io) and the private dockerd; see
# test/consumers/run.sh for groups and options, e.g. `make test-consumers CONSUMERS="kpt argocd"`.
.PHONY: test-consumers
CONSUMERS ?=
test-consumers: build
	bash test/consumers/run.sh $(CONSUMERS)

E2E_TESTS += test-consumers
