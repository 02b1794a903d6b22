# Argo CD plugin discovery through Argo CD's own code (argo-cd v3 cmp-server + repo-server discovery, built
# from the Go module proxy; see test/argocd/run.sh). No cluster, no container runtime; root runs the
# cmp-server as uid 999 like the sidecar.
.PHONY: test-argocd
test-argocd:
	bash test/argocd/run.sh

E2E_TESTS += test-argocd
