# The measurements of hack/bench.sh, one function per budget; sourced by it (uses its tools,
# $tmp, budget and REPORT).
REPORT=()

# pairs LABEL RUNS [-in FILE] A... -- B...: interleaved pairs; sets P_A P_B P_RATIO P_CPU_RATIO.
pairs() {
  local label=$1 runs=$2; shift 2
  read -r P_A P_B P_RATIO _ _ P_CPU_RATIO < <("$PAIRS" -runs "$runs" "$@")
  REPORT+=("$(printf '%-58s %10s %10s  %sx  (CPU %sx)  load %s' "$label" "$(ms "$P_A")" "$(ms "$P_B")" "$P_RATIO" "$P_CPU_RATIO" "$(load)")")
}

bench_render() {
  { printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n'
    grep -v '^#' "$ARTICLE" | sed 's/^/  /'; } > "$tmp/article.yaml"
  "$FN" < "$tmp/article.yaml" 2>/dev/null | grep -q '^  kind: StatefulSet$' || die "rabbitmq-krm rendered no StatefulSet"
  pairs "one render / null fn (wall, medians; ratio of pairs)" "$RUNS" -in "$tmp/article.yaml" "$FN" -- "$NULLFN"
  budget "one render / null KRM function" "$P_RATIO" 1.5 x
  # What no render can go below: starting a process that links the typed API, and the render's
  # own work once everything is warm (docs/performance.md, "the floors").
  pairs "  (floor) null fn with k8s.io/api linked / null fn" "$RUNS" -in "$tmp/article.yaml" "$NULLFN-k8s" -- "$NULLFN"
  pairs "  (floor) rabbitmq-krm version (start, no work) / null fn" "$RUNS" -in "$tmp/article.yaml" "$FN" version -- "$NULLFN"
  local null=$P_B warm
  warm=$(go test ./fn/krm -run '^$' -bench 'KRM/article$' -benchtime 200x | awk '/^BenchmarkKRM/ { print $3 / 1e9 }')
  REPORT+=("$(printf '%-58s %10s %10s  %.3fx  (go test -bench KRM/article: in a warm process)' \
    "  (floor) the render's work, warm / null fn" "$(ms "$warm")" "$(ms "$null")" "$(awk -v a="$warm" -v b="$null" 'BEGIN { print a / b }')")")
}

# generator DIR EXEC [ARG]: a kustomization in DIR whose generator is the article's config, run
# by EXEC (with one argument ARG).
generator() {
  mkdir -p "$1"
  printf 'generators:\n- gen.yaml\n' > "$1/kustomization.yaml"
  awk -v fn="$2" -v arg="${3:-}" '/^#/ { next } { print } /^metadata:$/ {
      print "  annotations:"; print "    config.kubernetes.io/function: |"; print "      exec:"; print "        path: " fn
      if (arg != "") print "        args: [" arg "]" }' "$ARTICLE" > "$1/gen.yaml"
}

bench_kustomize() {
  local k=("$KUSTOMIZE" build --enable-alpha-plugins --enable-exec)
  mkdir -p "$tmp/static"
  "${k[@]}" bases/rabbitmq 2>/dev/null > "$tmp/static/static.yaml"
  printf 'resources:\n- static.yaml\n' > "$tmp/static/kustomization.yaml"
  "${k[@]}" "$tmp/static" | cmp -s - "$tmp/static/static.yaml" || die "the static kustomization builds other output"
  # The floor of any exec generator with this output: replaying it without any work.
  "$FN" < "$tmp/article.yaml" > "$tmp/replay.yaml" 2>/dev/null
  generator "$tmp/replaygen" "$REPLAY" "$tmp/replay.yaml"
  "${k[@]}" "$tmp/replaygen" | cmp -s - "$tmp/static/static.yaml" || die "the replay generator builds other output"
  pairs "kustomize build bases/rabbitmq / static YAML" "$RUNS" "${k[@]}" bases/rabbitmq -- "${k[@]}" "$tmp/static"
  budget "kustomize build with the generator / static YAML" "$P_RATIO" 1.5 x
  pairs "  (info) the replay generator / static YAML" "$RUNS" "${k[@]}" "$tmp/replaygen" -- "${k[@]}" "$tmp/static"
  generator "$tmp/replaygen-k8s" "$REPLAY-k8s" "$tmp/replay.yaml"
  pairs "  (floor) the replay with k8s.io/api linked / static YAML" "$RUNS" "${k[@]}" "$tmp/replaygen-k8s" -- "${k[@]}" "$tmp/static"
}

# kpt_package DIR EXEC: a package of $KPT_CONFIGS article clusters, one file each, rendered by
# the exec function EXEC in package mode (no functionConfig).
kpt_package() {
  mkdir -p "$1"
  printf 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: bench\npipeline:\n  mutators:\n  - exec: %s\n' "$2" > "$1/Kptfile"
  local i
  for ((i = 0; i < KPT_CONFIGS; i++)); do
    sed -e '/^#/d' -e "s/^  name: rabbitmq$/  name: mq$i/" -e "s/^  namespace: ns-rabbitmq$/  namespace: ns-mq$i/" \
      "$ARTICLE" > "$1/mq$i.yaml"
  done
}

# kpt_render SRC [ENV...]: `kpt fn render` of a fresh copy of SRC at $tmp/run (kpt sends the
# package's absolute path, so every render happens at the same place); prints microseconds.
kpt_render() {
  local src=$1 a b; shift
  rm -rf "$tmp/run" && cp -r "$src" "$tmp/run"
  a=$(date +%s%N)
  env "$@" "$KPT" fn render --allow-exec "$tmp/run" >/dev/null 2>&1 || die "kpt fn render of $src failed"
  b=$(date +%s%N)
  echo $(((b - a) / 1000))
}

# kpt_times LABEL SRC REPLAY-FILE: $RUNS_KPT interleaved renders of SRC by rabbitmq-krm and by
# the replay of REPLAY-FILE; sets K_RATIO (median of the pairs' ratios) and reports.
kpt_times() {
  local i
  for ((i = 0; i < RUNS_KPT; i++)); do
    echo "$(kpt_render "$2") $(kpt_render "$2" REPLAY_FILE="$3")"
  done > "$tmp/kpt-times"
  read -r K_A K_B K_RATIO < <(awk '{ a[NR] = $1 / 1e6; b[NR] = $2 / 1e6; r[NR] = $1 / $2 }
    function med(v, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    END { printf "%.3f %.3f %.2f\n", med(a, NR), med(b, NR), med(r, NR) }' "$tmp/kpt-times")
  REPORT+=("$(printf '%-58s %10s %10s  %sx  (%d runs)  load %s' "$1" "$(ms "$K_A")" "$(ms "$K_B")" "$K_RATIO" "$RUNS_KPT" "$(load)")")
}

bench_kpt() {
  RUNS_KPT=3
  # One function script for both (kpt's exec takes no arguments, and the Kptfile is an item of
  # the output): it replays REPLAY_FILE when set, or runs rabbitmq-krm, recording what kpt
  # sends and what it answers when REC is set. Both pay the same shell start.
  printf '#!/bin/sh\n[ -z "$REPLAY_FILE" ] || exec %q "$REPLAY_FILE"\n[ -z "$REC" ] || { tee "$REC.in" | %q | tee "$REC.out"; exit; }\nexec %q\n' \
    "$REPLAY" "$FN" "$FN" > "$tmp/fn.sh"
  chmod +x "$tmp/fn.sh"
  kpt_package "$tmp/pkg" "$tmp/fn.sh"
  kpt_render "$tmp/pkg" REC="$tmp/first" >/dev/null && cp -r "$tmp/run" "$tmp/rendered"
  kpt_render "$tmp/rendered" REC="$tmp/second" >/dev/null
  diff -r "$tmp/run" "$tmp/rendered" >/dev/null || die "a second kpt fn render changed the package"
  kpt_render "$tmp/pkg" REPLAY_FILE="$tmp/first.out" >/dev/null
  diff -r "$tmp/run" "$tmp/rendered" >/dev/null || die "the replay renders another package"
  kpt_times "kpt fn render, first render / replay" "$tmp/pkg" "$tmp/first.out"
  budget "kpt fn render ($KPT_CONFIGS configs), first render / replay" "$K_RATIO" 1.3 x
  kpt_times "kpt fn render, re-render / replay" "$tmp/rendered" "$tmp/second.out"
  budget "kpt fn render ($KPT_CONFIGS configs), re-render / replay" "$K_RATIO" 1.3 x
}

# peak N: the run with the median wall time of 3 on N configs: "wall-seconds KiB cpu-seconds".
peak() {
  local i
  for i in 1 2 3; do
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$FN" < "$tmp/rl-$1.yaml" > /dev/null 2>&1
    awk '{ print $1, $2, $3 + $4 }' "$tmp/time"
  done | sort -n | sed -n 2p
}

bench_scale() {
  local n t m c
  declare -gA T M
  for n in 100 1000 3000; do
    resource_list "$n" "$tmp/rl-$n.yaml"
    read -r t m c < <(peak "$n")
    T[$n]=$t M[$n]=$m
    REPORT+=("$(printf '%-58s %10s %7.1f MiB  CPU %s  load %s' "$n configs in one ResourceList" "$(ms "$t")" \
      "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" "$(ms "$c")" "$(load)")")
  done
  REPORT+=("$(printf 'growth: time 100->1000 %.1fx, 1000->3000 %.1fx; memory 100->1000 %.1fx, 1000->3000 %.1fx (linear: 10x, 3x)' \
    "$(awk -v a="${T[100]}" -v b="${T[1000]}" 'BEGIN { print b / a }')" "$(awk -v a="${T[1000]}" -v b="${T[3000]}" 'BEGIN { print b / a }')" \
    "$(awk -v a="${M[100]}" -v b="${M[1000]}" 'BEGIN { print b / a }')" "$(awk -v a="${M[1000]}" -v b="${M[3000]}" 'BEGIN { print b / a }')")")
  budget "1000 configs in one ResourceList, time" "${T[1000]}" 3 s
  budget "1000 configs in one ResourceList, peak RSS" "$(awk -v k="${M[1000]}" 'BEGIN { printf "%.1f", k / 1024 }')" 300 MiB
}
