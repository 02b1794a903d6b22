# test/examples: the kpt catalog-style examples (examples/<case>/ with .expected/) rendered by the
# real kpt as the catalog's e2e harness runs them, twice, plus an idempotence render; then the
# runner's negative controls (broken copies of the examples must fail). See test/examples/run.sh.
.PHONY: test-examples update-examples
E2E_TESTS += test-examples

test-examples: build
	nice bash test/examples/run.sh
	nice bash test/examples/run.sh --self-test

# rewrite examples/*/.expected/{diff.patch,results.yaml} after an intended change; review the diff
update-examples: build
	KPT_E2E_UPDATE_EXPECTED=true bash test/examples/run.sh
