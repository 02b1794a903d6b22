# test/rabbitmq: the rendered StatefulSet/ConfigMap on real RabbitMQ 3.10 (Debian's rabbitmq-server, local
# processes standing in for pods). Included by the root Makefile (-include test/*/*.mk).
# Knobs: RABBITMQ_E2E_RUN (go test -run regexp, default all), RABBITMQ_E2E_CONFIGS (comma list of configs/*.yaml
# names), RABBITMQ_E2E_WORKDIR, RABBITMQ_E2E_EPMD_PORT; see test/rabbitmq/README.md.
RABBITMQ_E2E_RUN ?= .

.PHONY: test-rabbitmq test-rabbitmq-install
test-rabbitmq-install:
	bash test/rabbitmq/install.sh

test-rabbitmq: build test-rabbitmq-install
	RABBITMQ_KRM_BIN="$(CURDIR)/$(BIN)" go test -tags e2e ./test/rabbitmq/ -run '$(RABBITMQ_E2E_RUN)' -count=1 -v -timeout 40m

E2E_TESTS += test-rabbitmq
