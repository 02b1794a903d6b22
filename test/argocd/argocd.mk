# Argo CD plugin discovery and manifest generation through Argo CD's own code (argo-cd v3 cmp-server plugin
# service + repo-server Service.GenerateManifest over a local git repository, built from the Go module proxy;
# see test/argocd/run.sh). No cluster, no container runtime; root runs both as uid 999 like Argo CD's images.
# Needs bin/rabbitmq-krm (`make build`).
.PHONY: test-argocd
test-argocd: build
	bash test/argocd/run.sh

E2E_TESTS += test-argocd
