#!/usr/bin/env bash
# The kpt examples (examples/<case>/) run the way the kpt catalog's e2e harness runs its examples
# (github.com/kptdev/kpt pkg/test/runner, used by kptdev/krm-functions-catalog tests/e2etest), with
# the real kpt and the function binary from `make build`:
#
#   a case is a directory with .expected/; .expected/config.yaml holds exitCode (default 0),
#   allowExec, runCount (default 2), stdErr (a substring stderr must contain), stdErrRegEx,
#   disableOutputTruncate; for each run the package is copied afresh to a temporary directory,
#   `git init` + commit, .expected/setup.sh runs when present, then .expected/exec.sh (in the
#   package) or `kpt fn render PKG [--results-dir R] [--allow-exec] ...`; then:
#     - the exit code must equal exitCode;
#     - the results file must equal .expected/results.yaml (when that file exists, as kpt's runner);
#     - `git diff` from the first commit (after `git add --all`) must equal .expected/diff.patch
#       (an absent file means: no change);
#   a failing command ends the case after its first run (as kpt's runner does).
# One addition to kpt's runner: after a successful render, the rendered package is rendered again
# and must not change (idempotence; kpt's runner renders a fresh copy each time, which shows
# determinism only).
#
# Usage: test/examples/run.sh [CASE...]          (default: every examples/*/ with .expected/)
#        test/examples/run.sh --self-test        negative controls: the runner must fail on a wrong
#                                                diff, results, exit code and on a non-idempotent function
# Env:   KPT_E2E_UPDATE_EXPECTED=true  rewrite .expected/diff.patch and results.yaml from this run
#        RABBITMQ_KRM_BIN              function binary (default bin/rabbitmq-krm)
#        KEEP_WORKDIR=1                keep the scratch directory
set -euo pipefail
source "$(dirname "$0")/../../hack/lib.sh"

EXAMPLES="${EXAMPLES_DIR:-$REPO_ROOT/examples}"
BIN="$(realpath "${RABBITMQ_KRM_BIN:-$REPO_ROOT/bin/rabbitmq-krm}")"
[ -x "$BIN" ] || die "$BIN is missing: run 'make build' first"
KPT="$(bash "$REPO_ROOT/hack/install-kpt.sh")"

scratch_dir examples

# The examples' Kptfiles name the function `exec: rabbitmq-krm`, found on PATH: only this
# directory's rabbitmq-krm (the binary under test) and kpt come first.
mkdir -p "$W/path"
ln -sf "$BIN" "$W/path/rabbitmq-krm"
ln -sf "$KPT" "$W/path/kpt"
export PATH="$W/path:$PATH"

# A fixed git identity and no user or system git config, so commits and diffs never depend on the machine.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=none GIT_AUTHOR_EMAIL=none \
  GIT_COMMITTER_NAME=none GIT_COMMITTER_EMAIL=none GIT_AUTHOR_DATE=2000-01-01T00:00:00Z \
  GIT_COMMITTER_DATE=2000-01-01T00:00:00Z

now() { date +%s.%N; }

# cfg CASE KEY DEFAULT: a scalar of .expected/config.yaml (flat keys only, as the examples use)
cfg() {
  local f="$1/.expected/config.yaml" v=""
  [ -f "$f" ] && v=$(sed -n "s/^$2:[[:space:]]*//p" "$f" | tail -n1)
  v="${v%\"}"; v="${v#\"}"; v="${v%\'}"; v="${v#\'}"
  echo "${v:-$3}"
}
trim() { sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}' "$@" | sed -e '/./,$!d'; }   # drop leading/trailing blank lines

# run_case DIR: returns non-zero (with the reason on stderr) when the case does not match .expected
run_case() {
  local src="$1" name; name="$(basename "$1")"
  local exit_want allow_exec runs stderr_want stderr_re truncate
  exit_want=$(cfg "$src" exitCode 0); allow_exec=$(cfg "$src" allowExec false)
  runs=$(cfg "$src" runCount 2); stderr_want=$(cfg "$src" stdErr "")
  stderr_re=$(cfg "$src" stdErrRegEx ""); truncate=$(cfg "$src" disableOutputTruncate false)
  local i
  for ((i = 1; i <= runs; i++)); do
    local t="$W/$name.$i" pkg rc=0
    rm -rf "$t"; mkdir -p "$t"
    pkg="$t/$name"
    cp -r "$src" "$pkg"
    git -C "$pkg" init -q && git -C "$pkg" add --all && git -C "$pkg" commit -q --allow-empty -m first
    local first; first=$(git -C "$pkg" rev-parse HEAD)
    [ ! -f "$src/.expected/setup.sh" ] || (cd "$pkg" && bash "$src/.expected/setup.sh") \
      || { log "$name: setup.sh failed"; return 1; }
    local results=""
    [ ! -f "$src/.expected/results.yaml" ] || results="$t/results"
    if [ -f "$src/.expected/exec.sh" ]; then
      (cd "$pkg" && bash "$src/.expected/exec.sh") >"$t/stdout" 2>"$t/stderr" || rc=$?
    else
      local args=(fn render "$pkg")
      [ -z "$results" ] || args+=(--results-dir "$results")
      [ "$allow_exec" != true ] || args+=(--allow-exec)
      [ "$truncate" != true ] || args+=(--truncate-output=false)
      (cd "$t" && "$KPT" "${args[@]}") >"$t/stdout" 2>"$t/stderr" || rc=$?
    fi
    # what kpt's runner strips from stderr: the temporary directory
    sed -i "s#$t/##g" "$t/stderr"

    local actual_results=""
    if [ -n "$results" ] && [ -d "$results" ]; then
      local n; n=$(find "$results" -type f | wc -l)
      [ "$n" -le 1 ] || { log "$name: $n results files, want 0 or 1"; return 1; }
      [ "$n" -eq 0 ] || actual_results=$(trim "$results"/*)
    fi
    git -C "$pkg" add --all && git -C "$pkg" commit -q --allow-empty -m second
    local actual_diff; actual_diff=$(GIT_DIFF_OPTS= git -C "$pkg" diff "$first" HEAD | trim)

    if [ "${KPT_E2E_UPDATE_EXPECTED:-}" = true ]; then
      if [ -n "$results" ]; then printf '%s\n' "$actual_results" > "$src/.expected/results.yaml"; fi
      if [ -n "$actual_diff" ]; then printf '%s\n' "$actual_diff" > "$src/.expected/diff.patch"
      else rm -f "$src/.expected/diff.patch"; fi
      log "$name: .expected updated"
      return 0
    fi

    if [ "$rc" != "$exit_want" ]; then
      log "$name (run $i): exit code $rc, want $exit_want"; sed 's/^/    /' "$t/stderr" >&2; return 1
    fi
    if ! grep -qF -- "$stderr_want" "$t/stderr" 2>/dev/null && [ -n "$stderr_want" ]; then
      log "$name (run $i): stderr does not contain: $stderr_want"; sed 's/^/    /' "$t/stderr" >&2; return 1
    fi
    if [ -n "$stderr_re" ] && ! grep -qE -- "$stderr_re" "$t/stderr"; then
      log "$name (run $i): stderr does not match /$stderr_re/"; sed 's/^/    /' "$t/stderr" >&2; return 1
    fi
    if [ -n "$results" ]; then
      local expected_results; expected_results=$(trim "$src/.expected/results.yaml")
      if [ "$actual_results" != "$expected_results" ]; then
        log "$name (run $i): results differ from .expected/results.yaml (- expected, + actual):"
        diff -u <(printf '%s\n' "$expected_results") <(printf '%s\n' "$actual_results") | head -n 60 >&2
        return 1
      fi
    fi
    local expected_diff=""
    [ ! -f "$src/.expected/diff.patch" ] || expected_diff=$(trim "$src/.expected/diff.patch")
    if [ "$actual_diff" != "$expected_diff" ]; then
      log "$name (run $i): package diff differs from .expected/diff.patch (- expected, + actual):"
      diff -u <(printf '%s\n' "$expected_diff") <(printf '%s\n' "$actual_diff") | head -n 60 >&2
      return 1
    fi
    [ ! -f "$src/.expected/teardown.sh" ] || (cd "$pkg" && bash "$src/.expected/teardown.sh") \
      || { log "$name: teardown.sh failed"; return 1; }
    [ "$rc" -eq 0 ] || break

    # idempotence: render the rendered package again; nothing may change
    local rc2=0
    if [ -f "$src/.expected/exec.sh" ]; then
      (cd "$pkg" && bash "$src/.expected/exec.sh") >"$t/stdout2" 2>"$t/stderr2" || rc2=$?
    else
      local args2=(fn render "$pkg")
      [ "$allow_exec" != true ] || args2+=(--allow-exec)
      (cd "$t" && "$KPT" "${args2[@]}") >"$t/stdout2" 2>"$t/stderr2" || rc2=$?
    fi
    [ "$rc2" -eq 0 ] || { log "$name (run $i): the second render failed ($rc2)"; cat "$t/stderr2" >&2; return 1; }
    git -C "$pkg" add --all
    if ! git -C "$pkg" diff --cached --quiet; then
      log "$name (run $i): rendering the rendered package again changed it:"
      git -C "$pkg" diff --cached --stat >&2; git -C "$pkg" diff --cached | head -n 40 >&2
      return 1
    fi
  done
}

cases_in() { # cases_in DIR: every directory below DIR with .expected/, sorted
  find "$1" -type d -name .expected -prune -printf '%h\n' | sort
}

run_all() { # run_all CASE_DIR...: runs each, prints PASS/FAIL lines, fails when any failed
  local failed=0 c t0
  for c in "$@"; do
    t0=$(now)
    if run_case "$c"; then
      printf 'PASS %-40s %6.2fs\n' "examples/$(basename "$c")" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN{print b-a}')" >&2
    else
      printf 'FAIL %s\n' "examples/$(basename "$c")" >&2; failed=1
    fi
  done
  return $failed
}

# ------------------------------------------------------------------------------------ negative controls
# Each broken copy of an example must make the runner fail; otherwise the runner cannot fail.
self_test() {
  local S="$W/selftest" ok=1
  mkdir -p "$S"
  must_fail() { # must_fail WHAT CASE_DIR
    if (run_case "$2") 2>"$S/$1.log"; then log "NEGATIVE CONTROL NOT CAUGHT: $1"; ok=0
    else log "caught as it should be: $1: $(grep -m1 -E '\): ' "$S/$1.log" | sed 's/^\[[^]]*\] //')"; fi
  }
  cp -r "$EXAMPLES/article-nfs" "$S/wrong-diff"
  sed -i 's/^+    app.kubernetes.io\/name: rabbitmq$/+    app.kubernetes.io\/name: rabbitmq-x/; 0,/30672/s//30673/' "$S/wrong-diff/.expected/diff.patch"
  must_fail wrong-diff "$S/wrong-diff"

  cp -r "$EXAMPLES/article-nfs" "$S/wrong-results"
  sed -i '0,/severity: warning/s//severity: info/' "$S/wrong-results/.expected/results.yaml"
  must_fail wrong-results "$S/wrong-results"

  cp -r "$EXAMPLES/config-error" "$S/wrong-exit"
  sed -i 's/^exitCode: 1$/exitCode: 0/' "$S/wrong-exit/.expected/config.yaml"
  must_fail wrong-exit "$S/wrong-exit"

  cp -r "$EXAMPLES/tls-only" "$S/no-expected-diff"
  rm "$S/no-expected-diff/.expected/diff.patch"
  must_fail no-expected-diff "$S/no-expected-diff"

  # a function whose output changes when rendered again (it counts the renders in a label of
  # its output): the idempotence render must catch it
  cp -r "$EXAMPLES/etcd-loadbalancer" "$S/not-idempotent"
  mkdir -p "$S/bin"
  cat > "$S/bin/rabbitmq-krm" <<EOF
#!/usr/bin/env bash
# the real function, plus a label on its first peer-discovery object: the value in its input + 1
in=\$(cat)
n=\$(printf '%s\n' "\$in" | sed -n 's/.*selftest-renders: "\([0-9]*\)".*/\1/p' | head -n1)
printf '%s\n' "\$in" | "$BIN" | sed "0,/^      app.kubernetes.io\/component: peer-discovery\$/s//&\n      selftest-renders: \"\$(( \${n:-0} + 1 ))\"/"
EOF
  chmod +x "$S/bin/rabbitmq-krm"
  ( export PATH="$S/bin:$PATH"; KPT_E2E_UPDATE_EXPECTED=true run_case "$S/not-idempotent" ) 2>/dev/null
  ( export PATH="$S/bin:$PATH"; must_fail not-idempotent "$S/not-idempotent" )
  grep -q 'changed it' "$S/not-idempotent.log" || { log "not-idempotent failed for another reason:"; cat "$S/not-idempotent.log" >&2; ok=0; }

  [ $ok -eq 1 ] || die "the runner missed a broken example"
  log "self-test: every broken example was caught"
}

log "kpt $("$KPT" version), function $BIN ($("$BIN" version --short 2>/dev/null || echo '?'))"
if [ "${1:-}" = --self-test ]; then self_test; exit 0; fi
if [ $# -gt 0 ]; then
  cases=(); for c in "$@"; do cases+=("$EXAMPLES/${c#examples/}"); done
else
  mapfile -t cases < <(cases_in "$EXAMPLES")
fi
[ ${#cases[@]} -gt 0 ] || die "no example with .expected/ under $EXAMPLES"
t_all=$(now)

if [ $# -eq 0 ]; then
  # metadata.yaml has the catalog's keys and lists exactly the tested examples
  for key in image description tags sourceURL examplePackageURLs license; do
    grep -q "^$key:" "$REPO_ROOT/metadata.yaml" || die "metadata.yaml has no $key"
  done
  listed=$(sed -n 's#^  - https://github.com/rabbitmq-krm/rabbitmq-krm/tree/main/examples/##p' "$REPO_ROOT/metadata.yaml" | sort)
  tested=$(for c in "${cases[@]}"; do basename "$c"; done | sort)
  [ "$listed" = "$tested" ] || { diff <(echo "$listed") <(echo "$tested") >&2; die "metadata.yaml examplePackageURLs (<) differ from the examples with .expected/ (>)"; }
  # no example generates a cookie: a random Secret would make .expected unmatchable
  ! grep -rl --include='*.yaml' 'generate: *true' "${cases[@]}" >&2 || die "an example sets erlangCookie.generate"
  # the article examples are the articles' overlays: the same config renders the same manifests
  KUSTOMIZE="$(bash "$REPO_ROOT/hack/install-kustomize.sh")"
  for a in article-nfs article-etcd; do
    "$KUSTOMIZE" build "$REPO_ROOT/overlays/$a/config" > "$W/$a.overlay.yaml"
    "$BIN" render "$W/$a.overlay.yaml" > "$W/$a.overlay.out" 2>/dev/null || die "render of overlays/$a/config failed"
    "$BIN" render "$EXAMPLES/$a/rabbitmq.yaml" > "$W/$a.example.out" 2>/dev/null || die "render of examples/$a failed"
    cmp -s "$W/$a.overlay.out" "$W/$a.example.out" \
      || { diff -u "$W/$a.overlay.out" "$W/$a.example.out" | head -n 40 >&2; die "examples/$a renders other manifests than overlays/$a"; }
  done
  log "metadata.yaml lists every example; the article examples render what overlays/article-{nfs,etcd} render"
fi
run_all "${cases[@]}"
log "${#cases[@]} examples passed in $(awk -v a="$t_all" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s"
