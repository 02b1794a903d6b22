#!/usr/bin/env bash
# The JSON Schema as editors use it: the real yaml-language-server (npm, the exact version pinned
# in test/schema-editor/package-lock.json, installed into ~/.cache/rabbitmq-krm/npm, never
# globally) is driven over LSP stdio by lsp-diagnostics.mjs, as an editor drives it.
#
#   1. testdata/bad.yaml (a misspelt field, a bad enum, an out-of-range port, a bad metadata field,
#      a failed pattern) with a `# yaml-language-server: $schema=file://...` modeline: the published
#      diagnostics must equal testdata/bad.want (line:character severity message);
#   2. the same through the yaml.schemas setting instead of the modeline (same faults, one line up);
#      hover shows the field descriptions and examples (serviceMonitor.interval, metadata); the
#      function refuses bad.yaml for the same five fields;
#   3. every shipped valid config (generators/, the valid examples/) gets no diagnostic;
#   4. negative control: with a copy of the schema whose metadata is open again and whose
#      patternErrorMessages are removed, step 1 must fail (so the test sees what the schema adds).
#
# Usage: test/schema-editor/run.sh     (needs node >= 20 and npm; npm registry access on a cold cache)
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"

HERE="$REPO_ROOT/test/schema-editor"
SCHEMA="$REPO_ROOT/schema/rabbitmqcluster.v1alpha1.json"
NPM_DIR="$CACHE_DIR/npm"
PINNED=$(sed -n 's/.*"yaml-language-server": "\([0-9][0-9.]*\)".*/\1/p' "$HERE/package.json")
[ -n "$PINNED" ] || die "no exact yaml-language-server version in $HERE/package.json"

command -v node >/dev/null || die "node is missing (Node 20 or newer)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "node $(node --version) is too old (20 or newer)"

# install (npm ci: exactly the lockfile) when the cached copy is not this lockfile's
SERVER="$NPM_DIR/node_modules/yaml-language-server/bin/yaml-language-server"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" || [ ! -f "$SERVER" ]; then
  log "installing yaml-language-server $PINNED into $NPM_DIR"
  mkdir -p "$NPM_DIR"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && nice npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
have=$(node -p "require('$NPM_DIR/node_modules/yaml-language-server/package.json').version")
[ "$have" = "$PINNED" ] || die "yaml-language-server $have installed, $PINNED pinned"
log "yaml-language-server $have, node $(node --version)"

W="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-schema-editor.XXXXXX")"
trap 'rm -rf "$W"' EXIT
diagnostics() { node "$HERE/lsp-diagnostics.mjs" "$SERVER" "$@"; }
now() { date +%s.%N; }
t0=$(now)
failed=0
check() { # check WHAT WANT_FILE GOT_FILE
  if cmp -s "$2" "$3"; then log "PASS $1"
  else log "FAIL $1 (- want, + published):"; diff -u "$2" "$3" >&2 || true; failed=1; fi
}

diagnostics "$SCHEMA" modeline "$HERE/testdata/bad.yaml" > "$W/modeline.got"
check "modeline: the faults of testdata/bad.yaml as testdata/bad.want" "$HERE/testdata/bad.want" "$W/modeline.got"

awk '{ split($1, p, ":"); $1 = (p[1] - 1) ":" p[2]; print }' "$HERE/testdata/bad.want" > "$W/settings.want"
diagnostics "$SCHEMA" settings "$HERE/testdata/bad.yaml" > "$W/settings.got"
check "yaml.schemas setting: the same faults" "$W/settings.want" "$W/settings.got"

hover() { # hover WHAT LINE:CHAR TEXT...: the hover at LINE:CHAR of bad.yaml (modeline) contains each TEXT
  local what=$1 pos=$2 t; shift 2
  HOVER=$pos diagnostics "$SCHEMA" modeline "$HERE/testdata/bad.yaml" | sed -n 's/^hover: //p' > "$W/hover.got"
  for t in "$@"; do
    grep -qF -- "$t" "$W/hover.got" || { log "FAIL hover on $what lacks '$t': $(cat "$W/hover.got")"; failed=1; return; }
  done
  log "PASS hover on $what shows: $*"
}
hover "serviceMonitor.interval" 15:6 "Interval between scrapes (default 30s)." 'Example: ```yaml 1m ```'
hover "metadata" 3:1 "The function reads name, namespace, labels and annotations; no other metadata field is allowed"

# the function refuses the same config for the same fields (the editor shows nothing it would accept)
BIN="${RABBITMQ_KRM_BIN:-$REPO_ROOT/bin/rabbitmq-krm}"
if [ -x "$BIN" ]; then
  if "$BIN" render "$HERE/testdata/bad.yaml" > /dev/null 2> "$W/fn.err"; then
    log "FAIL the function renders testdata/bad.yaml"; failed=1
  else
    missing=""
    for f in metadata.namepsace spec.replica spec.discovery.mode spec.exposure.nodePorts.amqp spec.serviceMonitor.interval; do
      grep -qF " $f: " "$W/fn.err" || missing+=" $f"
    done
    if [ -n "$missing" ]; then log "FAIL the function does not report:$missing"; cat "$W/fn.err" >&2; failed=1
    else log "PASS the function refuses testdata/bad.yaml for the same 5 fields"; fi
  fi
else
  log "SKIP the function's errors for testdata/bad.yaml: $BIN is missing (make build)"
fi

: > "$W/empty"
valid=("$REPO_ROOT/generators/rabbitmq.yaml")
for f in "$REPO_ROOT"/examples/*/rabbitmq.yaml; do
  case "$f" in */examples/config-error/*) ;; *) valid+=("$f") ;; esac
done
[ ${#valid[@]} -ge 5 ] || { log "FAIL only ${#valid[@]} valid configs found"; failed=1; }
diagnostics "$SCHEMA" modeline "${valid[@]}" > "$W/valid.got"
check "no diagnostic in ${#valid[@]} shipped configs (generators/rabbitmq.yaml, examples/*/rabbitmq.yaml)" "$W/empty" "$W/valid.got"

# negative control: the schema as it was before issue 16 (metadata open, no readable messages)
node -e '
  const fs = require("fs"); const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  delete s.properties.metadata.additionalProperties;
  (function strip(o) { if (o && typeof o === "object") { delete o.patternErrorMessage; Object.values(o).forEach(strip); } })(s);
  fs.writeFileSync(process.argv[2], JSON.stringify(s, null, 2));' "$SCHEMA" "$W/weak.json"
diagnostics "$W/weak.json" modeline "$HERE/testdata/bad.yaml" > "$W/weak.got"
if cmp -s "$HERE/testdata/bad.want" "$W/weak.got"; then
  log "FAIL negative control: the weakened schema gives the same diagnostics"; failed=1
elif grep -q namepsace "$W/weak.got" || ! grep -q 'does not match the pattern' "$W/weak.got"; then
  log "FAIL negative control: unexpected diagnostics from the weakened schema:"; cat "$W/weak.got" >&2; failed=1
else
  log "PASS negative control: with metadata open and no messages, the bad metadata field goes unflagged and the pattern fault reads: $(grep -m1 -o 'String does not match the pattern.\{0,40\}' "$W/weak.got")..."
fi

[ $failed -eq 0 ] || die "schema-editor test failed"
log "schema-editor: all checks passed in $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s"
