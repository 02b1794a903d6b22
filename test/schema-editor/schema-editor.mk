# test/schema-editor: the JSON Schema in the real yaml-language-server (pinned in
# test/schema-editor/package-lock.json, installed into ~/.cache/rabbitmq-krm/npm), driven over LSP
# stdio as an editor drives it; see test/schema-editor/run.sh.
.PHONY: test-schema-editor
E2E_TESTS += test-schema-editor

test-schema-editor: build
	nice bash test/schema-editor/run.sh
