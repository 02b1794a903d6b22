# test/monitoring: every rendered PrometheusRule through the real promtool (built from the Go
# module proxy at a pinned version by hack/install-promtool.sh, cached): `promtool check rules`
# on the rule groups of every golden and kustomize output, `promtool test rules` unit tests with
# synthetic series (test/monitoring/tests), then negative controls (broken rules must fail).
.PHONY: test-monitoring
E2E_TESTS += test-monitoring

test-monitoring: build
	nice bash test/monitoring/run.sh
