#!/usr/bin/env bash
# run-tests.sh - apply every rendered manifest set to a REAL kube-apiserver + kube-controller-manager
# (started by cluster.sh on 127.0.0.1) and check what a user would check. See README.md.
# Before the cases it installs crds/*.yaml (a reduced ServiceMonitor CRD, upstream's PrometheusRule CRD) and waits until Established.
#
#   run-tests.sh                 all sets: samples, golden, kustomize, bad
#   run-tests.sh FILE...         only these manifest files (a file under bad/ is expected to fail)
#
# Environment:
#   K8S_TEST_SETS     "samples golden kustomize bad"  which input sets to run (when no FILE is given)
#   K8S_TEST_FILTER   ERE; only cases whose name matches
#   K8S_KEEP_CLUSTER  1 = leave the cluster running afterwards (a cluster that was already running when
#                     the script started is always left running; stop it with `cluster.sh stop`)
#   K8S_KEEP_CASE     1 = do not clean up a FAILED case (for debugging; later cases may then collide)
#   K8S_POD_TIMEOUT   60   seconds for the StatefulSet controller to create all pods (and PVCs)
#   K8S_BIND_TIMEOUT  60   seconds for PVC/PV binding
#   K8S_BAD_TIMEOUT   10   the two timeouts above for cases under bad/ (they are expected to time out)
#   K8S_DELETE_TIMEOUT 120 seconds for a case's cleanup
#   K8S_SA_ALLOWED    "get endpoints,create events"  what a ServiceAccount bound to a Role from the output
#                     may do in its namespace, and nothing more (DESIGN.md: peer discovery Role)
#   K8S_FIELD_MANAGER rabbitmq-krm
set -uo pipefail
{ # the whole script is one compound command: bash parses all of it before running, so editing
  # this file during a (long) run cannot break that run

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SETS="${K8S_TEST_SETS:-samples golden kustomize bad}"
FILTER="${K8S_TEST_FILTER:-}"
POD_TIMEOUT="${K8S_POD_TIMEOUT:-60}"
BIND_TIMEOUT="${K8S_BIND_TIMEOUT:-60}"
BAD_TIMEOUT="${K8S_BAD_TIMEOUT:-10}"
DELETE_TIMEOUT="${K8S_DELETE_TIMEOUT:-120}"
SA_ALLOWED="${K8S_SA_ALLOWED:-get endpoints,create events}"
FM="${K8S_FIELD_MANAGER:-rabbitmq-krm}"
PSA_FM=rabbitmq-krm-test-psa

# Denials checked explicitly for every ServiceAccount (besides the exhaustive `can-i --list` diff).
# Format: "verb resource [namespace]"; namespace "@" = the SA's own namespace, "-" = cluster scope.
DENIALS=(
  "list endpoints @" "watch endpoints @" "update endpoints @" "delete endpoints @"
  "list endpointslices.discovery.k8s.io @"
  "get secrets @" "list secrets @" "get configmaps @" "update configmaps @"
  "get pods @" "list pods @" "create pods @" "delete pods @" "create pods/exec @"
  "get events @" "list events @" "delete events @"
  "get statefulsets.apps @" "patch statefulsets.apps @" "create serviceaccounts/token @"
  "create roles.rbac.authorization.k8s.io @" "create rolebindings.rbac.authorization.k8s.io @"
  "get endpoints default" "create events default" "get endpoints kube-system" "get secrets kube-system"
  "list namespaces -" "get nodes -" "list persistentvolumes -" "create clusterrolebindings.rbac.authorization.k8s.io -"
  "* * @"
)

log() { printf '%s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1fs", b - a}'; }

# ------------------------------------------------------------------------ cluster lifecycle ---
STARTED_CLUSTER=0
stop_cluster() {
  if [ "$STARTED_CLUSTER" = 1 ] && [ "${K8S_KEEP_CLUSTER:-0}" != 1 ]; then
    "$HERE/cluster.sh" stop 9>&- || true
    STARTED_CLUSTER=0
  fi
}
on_exit() {
  local rc=$?
  stop_cluster
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$(date +%s.%N)
# one run at a time per cache dir: cases share PV names, nodePorts and the cluster itself
LOCK="${K8S_CACHE_DIR:-${RABBITMQ_KRM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rabbitmq-krm}/k8s}/run-tests.lock"
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock -w 3600 9 || { log "could not lock $LOCK"; exit 1; }
if "$HERE/cluster.sh" status >/dev/null 2>&1; then
  log "reusing the running test cluster (stop it with test/k8s/cluster.sh stop)"
else
  STARTED_CLUSTER=1
  "$HERE/cluster.sh" start 9>&- >/dev/null || { log "FAIL cluster: could not start the test cluster"; log "0 passed, 1 failed"; exit 1; }
fi
eval "$("$HERE/cluster.sh" env)"
KUBECTL="$K8S_BIN_DIR/kubectl"
YAML2JSON="$K8S_BIN_DIR/yaml2json"
k() { "$KUBECTL" --request-timeout=30s "$@"; }
log "cluster ready in $(elapsed "$t_start"): $(k version -o json | jq -r '"server " + .serverVersion.gitVersion + ", kubectl " + .clientVersion.gitVersion')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/rabbitmq-krm-k8s.XXXXXX")"

# ------------------------------------------------------------------------------------ CRDs ---
# The outputs use kinds a bare API server does not serve (the Prometheus Operator's ServiceMonitor
# and PrometheusRule). crds/servicemonitor.yaml is a reduced, hand-written copy, crds/prometheusrule.yaml
# upstream's own (test/monitoring/prometheusrule-crd.sh); they are applied once per run,
# before any case (a no-op on a reused cluster that already has them), and the run waits until
# each is Established and its resources appear in discovery (else the first case's apply or its
# namespaced/cluster-scoped decision could race the CRD).
install_crds() {
  local t0 f name gv plural deadline
  t0=$(date +%s.%N)
  for f in "$HERE"/crds/*.yaml; do
    [ -f "$f" ] || continue
    k apply --server-side --field-manager="$FM-test-crds" -f "$f" >/dev/null 2>"$WORK/crd.err" ||
      { log "FAIL crds: applying $(basename "$f"): $(cat "$WORK/crd.err")"; return 1; }
    name="$(k get -f "$f" -o jsonpath='{.metadata.name}')"
    k wait --for=condition=Established --timeout=60s "customresourcedefinition/$name" >/dev/null 2>"$WORK/crd.err" ||
      { log "FAIL crds: $name not Established after 60s: $(cat "$WORK/crd.err")"; return 1; }
    gv="$(k get customresourcedefinition "$name" -o jsonpath='{.spec.group}/{.spec.versions[?(@.served==true)].name}')"
    plural="$(k get customresourcedefinition "$name" -o jsonpath='{.spec.names.plural}')"
    served() { k get --raw "/apis/${gv%% *}" 2>/dev/null | jq -e --arg p "$plural" 'any(.resources[]; .name == $p)' >/dev/null; }
    wait_until 30 served || { log "FAIL crds: $plural not in the discovery of /apis/${gv%% *} after 30s"; return 1; }
  done
  log "CRDs installed and Established in $(elapsed "$t0"): $(k get customresourcedefinitions -o jsonpath='{.items[*].metadata.name}')"
}

# ------------------------------------------------------------------------------- discovery ---
# "apiVersion/Kind" -> namespaced (true/false), from the server's own discovery documents
SCOPES="$WORK/scopes.json"
echo '{}' >"$SCOPES"
learn_scopes() { # objects.json
  local gv path
  for gv in $(jq -r '.items[].apiVersion // empty' "$1" | sort -u); do
    jq -e --arg gv "$gv" 'has($gv + "/")' "$SCOPES" >/dev/null && continue
    case "$gv" in */*) path="/apis/$gv" ;; *) path="/api/$gv" ;; esac
    { k get --raw "$path" 2>/dev/null || echo '{"resources": []}'; } |
      jq --arg gv "$gv" --slurpfile s "$SCOPES" \
        '$s[0] + {($gv + "/"): true} + ([.resources[] | select(.name | contains("/") | not) | {key: ($gv + "/" + .kind), value: .namespaced}] | from_entries)' \
        >"$SCOPES.new" && mv "$SCOPES.new" "$SCOPES"
  done
}

# ----------------------------------------------------------------------------- one case ---
ERRS=()  # failures of the current case
NOTES=() # informational lines of the current case
fail() { ERRS+=("$*"); }
LAPS=() LAP_T0=0
lap() { # record how long the step since the previous lap took
  local now; now=$(date +%s.%N)
  LAPS+=("$1 $(awk -v a="$LAP_T0" -v b="$now" 'BEGIN {printf "%.1fs", b - a}')")
  LAP_T0=$now
}
note() { NOTES+=("$*"); }
indent() { sed 's/^/      /'; }

# wait_until TIMEOUT CMD...: poll CMD every 0.5s until it succeeds; returns 1 on timeout
wait_until() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# gone = the server says NotFound (a failing request is not "gone")
gone() { local out; out="$(k get "$@" -o name 2>&1)"; [[ $out == *"(NotFound)"* ]]; }
ns_gone() { gone namespace "$1"; }
pv_gone() { gone persistentvolume "$1"; }
# namespaces the apiserver never lets anyone delete
SYSTEM_NS=" default kube-system kube-public kube-node-lease "

prepare_namespace() { # ns: create it (or take it over) with the restricted Pod Security Standard
  local ns="$1" phase
  phase="$(k get namespace "$ns" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  if [ "$phase" = Terminating ]; then
    wait_until "$DELETE_TIMEOUT" ns_gone "$ns" || { fail "namespace $ns is still terminating (left over?)"; return 1; }
  fi
  # applied by a field manager of its own, as a cluster admin would label it; if the output's
  # Namespace object sets these labels to other values, the output's apply conflicts (and fails).
  k apply --server-side --field-manager="$PSA_FM" -f - >/dev/null 2>"$CASE/psa.err" <<EOF || { fail "creating namespace $ns: $(cat "$CASE/psa.err")"; return 1; }
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
EOF
}

# jq over the case's objects (the manifest as applied)
q() { jq -r "$@" "$CASE/objects.json"; }

# The PriorityClasses the pod templates name (spec.pod.priorityClassName), created as the README tells
# a user, with a field manager of their own; the Priority admission plugin refuses a pod whose class
# does not exist. Removed by cleanup_case.
PRIORITY_CLASSES=()
prepare_priority_classes() {
  local pc
  PRIORITY_CLASSES=()
  for pc in $(q '[.items[] | (.spec.template.spec.priorityClassName)? // empty] | unique | .[]'); do
    k apply --server-side --field-manager="$PSA_FM" -f - >/dev/null 2>"$CASE/pc.err" <<EOF || { fail "creating PriorityClass $pc: $(cat "$CASE/pc.err")"; return 1; }
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: $pc}
value: 1000000
EOF
    PRIORITY_CLASSES+=("$pc")
    note "created PriorityClass $pc (named by the pods)"
  done
}

check_statefulsets() { # timeout
  local timeout="$1" ns name replicas policy want have uid tpl i missing events
  while IFS=$'\t' read -r ns name replicas policy; do
    [ -n "$name" ] || continue
    want=$replicas
    if [ "$policy" != Parallel ] && [ "$replicas" -gt 0 ]; then
      # OrderedReady waits for pod N to be Ready before creating N+1; without a kubelet nothing is Ready
      want=1
      note "statefulset $ns/$name: podManagementPolicy=$policy, so only pod 0 can be created without a kubelet"
    fi
    uid="$(k get statefulset "$name" -n "$ns" -o jsonpath='{.metadata.uid}')"
    expected_objects() { # pods <sts>-<i> owned by the StatefulSet, and PVCs <template>-<sts>-<i>
      local pods pvcs i t
      pods="$(k get pods -n "$ns" -o json | jq -r --arg uid "$uid" '.items[] | select(any(.metadata.ownerReferences[]?; .uid == $uid)) | .metadata.name')"
      pvcs="$(k get pvc -n "$ns" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')"
      missing=()
      for ((i = 0; i < want; i++)); do
        grep -qx "$name-$i" <<<"$pods" || missing+=("pod $name-$i")
        for t in $(q --arg ns "$ns" --arg n "$name" '.items[] | select(.kind == "StatefulSet" and .metadata.namespace == $ns and .metadata.name == $n) | .spec.volumeClaimTemplates[]?.metadata.name'); do
          grep -qx "$t-$name-$i" <<<"$pvcs" || missing+=("pvc $t-$name-$i")
        done
      done
      [ ${#missing[@]} -eq 0 ]
    }
    if wait_until "$timeout" expected_objects; then
      have="$(k get pods -n "$ns" -o json | jq -r --arg uid "$uid" '[.items[] | select(any(.metadata.ownerReferences[]?; .uid == $uid)) | .metadata.name + "=" + .status.phase] | join(" ")')"
      note "statefulset $ns/$name: $want/$replicas pods created ($have)"
    else
      events="$(k get events -n "$ns" -o json | jq -r --arg n "$name" \
        '[.items[] | select(.involvedObject.name == $n and .type == "Warning") | "\(.reason): \(.message)"] | unique | .[]' | head -n 10)"
      fail "statefulset $ns/$name: after ${timeout}s still missing: ${missing[*]}"$'\n'"  controller events:"$'\n'"$(sed 's/^/    /' <<<"${events:-<none>}")"
    fi
  done < <(q '.items[] | select(.kind == "StatefulSet") | [.metadata.namespace, .metadata.name, (.spec.replicas // 1 | tostring), (.spec.podManagementPolicy // "OrderedReady")] | @tsv')
}

check_volumes() { # timeout
  local timeout="$1" ns name pv claim got pvs
  pvs="$(q '[.items[] | select(.kind == "PersistentVolume") | .metadata.name] | join(" ")')"
  pvc_bound_to() { # ns pvc pv
    [ "$(k get pvc "$2" -n "$1" -o jsonpath='{.status.phase}/{.spec.volumeName}' 2>/dev/null)" = "Bound/$3" ] &&
      [ "$(k get pv "$3" -o jsonpath='{.status.phase}/{.spec.claimRef.namespace}/{.spec.claimRef.name}' 2>/dev/null)" = "Bound/$1/$2" ]
  }
  # PVCs of the output: pinned ones must bind to their PV; unpinned ones are only OK without static PVs
  while IFS=$'\t' read -r ns name pv; do
    [ -n "$name" ] || continue
    if [ -n "$pv" ]; then
      if wait_until "$timeout" pvc_bound_to "$ns" "$name" "$pv"; then
        note "pvc $ns/$name is Bound to pv $pv"
      else
        got="$(k get pvc "$name" -n "$ns" -o jsonpath='{.status.phase} volumeName={.spec.volumeName}') / pv $pv: $(k get pv "$pv" -o jsonpath='{.status.phase} {.status.message} claimRef={.spec.claimRef.namespace}/{.spec.claimRef.name}' 2>&1)"
        fail "pvc $ns/$name not Bound to pv $pv after ${timeout}s (pvc $got)$(events_for "$ns" "$name")"
      fi
    elif [ -n "$pvs" ]; then
      fail "pvc $ns/$name has no spec.volumeName although the output has PersistentVolume(s) ($pvs): which PV it binds to is a race"
    else
      note "pvc $ns/$name: no static PV in the output (dynamic provisioning; stays Pending here)"
    fi
  done < <(q '.items[] | select(.kind == "PersistentVolumeClaim") | [.metadata.namespace, .metadata.name, (.spec.volumeName // "")] | @tsv')
  # PVs of the output: each must be claimed explicitly, by its claimRef or by a PVC's volumeName
  for pv in $pvs; do
    claim="$(q --arg pv "$pv" '.items[] | select(.kind == "PersistentVolume" and .metadata.name == $pv) | .spec.claimRef // empty | "\(.namespace)/\(.name)"')"
    if [ -n "$claim" ]; then
      # pre-bound PV (e.g. per-pod NFS volumes claimed by volumeClaimTemplate PVCs)
      if wait_until "$timeout" pvc_bound_to "${claim%%/*}" "${claim#*/}" "$pv"; then
        note "pv $pv (claimRef $claim) is Bound"
      else
        fail "pv $pv is pre-bound to $claim but not Bound after ${timeout}s: $(k get pv "$pv" -o jsonpath='{.status.phase} {.status.message}') / pvc: $(k get pvc "${claim#*/}" -n "${claim%%/*}" -o jsonpath='{.status.phase} volumeName={.spec.volumeName}' 2>&1)"
      fi
    elif ! q --arg pv "$pv" -e 'any(.items[]; .kind == "PersistentVolumeClaim" and .spec.volumeName == $pv)' >/dev/null; then
      fail "pv $pv has no spec.claimRef and no PVC in the output names it in spec.volumeName: any PVC may take it"
    elif q --arg pv "$pv" -e '(.items[] | select(.kind == "PersistentVolume" and .metadata.name == $pv)) as $p
        | any(.items[] | select(.kind == "StatefulSet") | .spec.volumeClaimTemplates[]?;
            ((.spec.accessModes // []) - ($p.spec.accessModes // []) | length) == 0
            and (.spec.storageClassName // "") == ($p.spec.storageClassName // ""))' >/dev/null; then
      note "WARNING: pv $pv is pinned only from the PVC side (volumeName) and a volumeClaimTemplate of the output matches it too; its PVCs may race for it - set spec.claimRef on the PV"
    fi
  done
}

events_for() { # ns name -> " events: ..." (Warning events of that object)
  local ev
  ev="$(k get events -n "$1" -o json 2>/dev/null | jq -r --arg n "$2" '[.items[] | select(.involvedObject.name == $n and .type == "Warning") | "\(.reason): \(.message)"] | unique | join("; ")')"
  [ -n "$ev" ] && echo "; events: $ev"
}

# The rules review of a ServiceAccount, as "verb resource" pairs, one per line.
rules_of() { # ns user
  k auth can-i --list -n "$1" --as="$2" --no-headers 2>/dev/null | while IFS= read -r line; do
    # Resources  Non-Resource-URLs  Resource-Names  Verbs   e.g. "endpoints   []   []   [get]"
    if [[ $line =~ ^([^[:space:]]*)[[:space:]]+\[([^]]*)\][[:space:]]+\[([^]]*)\][[:space:]]+\[([^]]*)\] ]]; then
      local res="${BASH_REMATCH[1]}" urls="${BASH_REMATCH[2]}" names="${BASH_REMATCH[3]}" verb u
      for verb in ${BASH_REMATCH[4]}; do
        if [ -n "$res" ]; then echo "$verb $res${names:+ names=[$names]}"; fi
        for u in $urls; do echo "$verb url:$u"; done
      done
    fi
  done | LC_ALL=C sort -u
}

# can_i_all USER < "verb resource ns" lines (ns "-" = cluster scope) -> "yes|no verb resource ns" lines, in order.
# One SubjectAccessReview each (what `kubectl auth can-i --as` sends), all created by ONE kubectl call:
# a can-i process per question cost ~0.3 s each, ~5 s per case.
can_i_all() {
  jq -R -s --arg user "$1" '[split("\n")[] | select(length > 0) | split(" ") as [$verb, $res, $ns]
    | ($res | split("/")) as [$r, $sub] | ($r | split(".")) as $parts
    | {apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
       spec: {user: $user, groups: (["system:serviceaccounts", "system:authenticated"]
                + (if ($user | startswith("system:serviceaccount:")) then ["system:serviceaccounts:" + ($user | split(":")[2])] else [] end)),
         resourceAttributes: ({verb: $verb, resource: $parts[0], group: ($parts[1:] | join("."))}
           + (if $sub then {subresource: $sub} else {} end) + (if $ns == "-" then {} else {namespace: $ns} end))}}]
    | {apiVersion: "v1", kind: "List", items: .}' >"$CASE/sar.json"
  k create -f "$CASE/sar.json" -o json 2>"$CASE/sar.err" | jq -r 'if .kind == "List" then .items[] else . end
    | .spec.resourceAttributes as $a
    | [if .status.allowed then "yes" else "no" end, $a.verb,
       $a.resource + (if $a.subresource then "/" + $a.subresource else "" end)
         + (if ($a.group // "") != "" then "." + $a.group else "" end),
       $a.namespace // "-"] | join(" ")'
}

# check_answers SA BOUND "want verb resource ns"... < can_i_all's answers (same order)
check_answers() {
  local sa="$1" bound="$2" q want rest got
  shift 2
  for q in "$@"; do
    want="${q%% *}" rest="${q#* }"
    if ! IFS= read -r got; then fail "serviceaccount $sa: no access review answer for '$rest': $(cat "$CASE/sar.err")"; return; fi
    [ "${got#* }" = "$rest" ] || { fail "serviceaccount $sa: access review answered '$got' for '$rest'"; return; }
    [ "${got%% *}" = "$want" ] && continue
    if [ "$want" = yes ]; then fail "serviceaccount $sa cannot '${rest% *}' in ${rest##* } ($bound)"
    elif [ -z "$bound" ]; then fail "serviceaccount $sa has no RoleBinding in the output, yet can '${rest% *}' (namespace ${rest##* })"
    else fail "serviceaccount $sa can '${rest% *}' (namespace ${rest##* }) but must not ($bound)"; fi
  done
}

check_serviceaccounts() {
  local ns name user bound crb allowed extra want d verb res dns ans pair baseline users i
  while IFS=$'\t' read -r ns name; do
    [ -n "$name" ] || continue
    user="system:serviceaccount:$ns:$name"
    bound="$(q --arg ns "$ns" --arg n "$name" '[.items[] | select(.kind == "RoleBinding" and .metadata.namespace == $ns)
      | . as $b | select(any(.subjects[]?; .kind == "ServiceAccount" and .name == $n and ((.namespace // $ns) == $ns)))
      | "RoleBinding \(.metadata.name) -> \(.roleRef.kind) \(.roleRef.name)"] | join(", ")')"
    crb="$(q --arg ns "$ns" --arg n "$name" '[.items[] | select(.kind == "ClusterRoleBinding")
      | select(any(.subjects[]?; .kind == "ServiceAccount" and .name == $n and .namespace == $ns))
      | "\(.metadata.name) -> \(.roleRef.kind) \(.roleRef.name)"] | join(", ")')"
    [ -z "$crb" ] || fail "serviceaccount $ns/$name is bound cluster-wide by ClusterRoleBinding $crb"
    allowed=()
    if [ -n "$bound" ]; then
      IFS=, read -ra allowed <<<"$SA_ALLOWED"
      for i in "${!allowed[@]}"; do allowed[i]="$(echo ${allowed[i]})"; done
      users="$(q --arg n "$name" '[.items[] | select(.kind == "StatefulSet" and .spec.template.spec.serviceAccountName == $n) | .metadata.name] | join(" ")')"
      [ -n "$users" ] || fail "serviceaccount $ns/$name has permissions ($bound) but no StatefulSet in the output runs as it"
    fi
    # 1. the expected permissions, explicitly ("yes"), and 2. representative denials ("no")
    local questions=()
    for pair in "${allowed[@]}"; do questions+=("yes $pair $ns"); done
    [ -n "$bound" ] || questions+=("no get endpoints $ns")
    for d in "${DENIALS[@]}"; do
      read -r verb res dns <<<"$d"
      [ "$dns" = @ ] && dns="$ns"
      [[ ",$(IFS=,; echo "${allowed[*]}")," == *",$verb $res,"* ]] && continue
      questions+=("no $verb $res $dns")
    done
    check_answers "$ns/$name" "$bound" "${questions[@]}" < <(printf '%s\n' "${questions[@]#* }" | can_i_all "$user")
    # 3. exhaustive: everything it may do in its namespace, minus what any ServiceAccount of that
    #    namespace could do before the apply (discovery, self reviews...), must be exactly the expected set
    baseline="$(cat "$CASE/baseline.$ns" 2>/dev/null)"
    extra="$(LC_ALL=C comm -13 <(echo "$baseline") <(rules_of "$ns" "$user"))"
    want="$(printf '%s\n' "${allowed[@]}" | sed '/^$/d' | LC_ALL=C sort -u)"
    if [ "$extra" != "$want" ]; then
      fail "serviceaccount $ns/$name: permissions in $ns gained from the output are [$(join_list "$extra")], expected exactly [$(join_list "$want")]"
    else
      note "serviceaccount $ns/$name: may do exactly [${want//$'\n'/, }] in $ns${bound:+ ($bound)}"
    fi
  done < <(q '.items[] | select(.kind == "ServiceAccount") | [.metadata.namespace, .metadata.name] | @tsv')
  # nothing in the output may grant permissions to every ServiceAccount (or user) of a namespace
  for ns in $(q '[.items[] | .metadata.namespace // empty] | unique | .[]'); do
    extra="$(LC_ALL=C comm -13 "$CASE/baseline.$ns" <(rules_of "$ns" "$NOBODY_PREFIX$ns:$NOBODY"))"
    [ -z "$extra" ] || fail "the output grants every ServiceAccount of $ns: [$(join_list "$extra")]"
  done
}

NOBODY_PREFIX=system:serviceaccount: NOBODY=rabbitmq-krm-test-nobody
# "a\nb\nc" -> "a, b, c" (at most 12 entries)
join_list() {
  local n; n=$(grep -c . <<<"$1")
  head -n 12 <<<"$1" | paste -sd, | sed 's/,/, /g'
  [ "$n" -le 12 ] || printf ', ... (%d more)' $((n - 12))
}

check_nodeports() {
  local ns name want got
  while IFS=$'\t' read -r ns name want; do
    [ -n "$name" ] || continue
    got="$(k get service "$name" -n "$ns" -o json | jq -c '[.spec.ports[] | {port, nodePort}] | sort_by(.port)')"
    if jq -e --argjson want "$want" --argjson got "$got" \
      'all($want[]; . as $w | any($got[]; .port == $w.port and .nodePort == $w.nodePort))' >/dev/null <<<null; then
      note "service $ns/$name: requested nodePorts $(jq -c '[.[] | "\(.port)->\(.nodePort)"]' <<<"$want") assigned exactly; all: $(jq -c '[.[] | "\(.port)->\(.nodePort)"]' <<<"$got")"
    else
      fail "service $ns/$name: requested nodePorts $want, got $got"
    fi
  done < <(q '.items[] | select(.kind == "Service" and (.spec.type == "NodePort" or .spec.type == "LoadBalancer"))
    | [.metadata.namespace, .metadata.name, ([.spec.ports[] | select(.nodePort) | {port, nodePort}] | sort_by(.port) | tojson)] | @tsv')
}

# jq helpers for metav1.LabelSelector (matchLabels + matchExpressions) with Kubernetes' semantics;
# a Service's spec.selector (a plain map) is {matchLabels: <map>}
JQ_SEL='
def sel_matches($l): ($l // {}) as $l
  | ((.matchLabels // {}) | to_entries | all(.[]; $l[.key] == .value))
    and ((.matchExpressions // []) | all(.[]; . as $e | ($l | has($e.key)) as $has
      | if $e.operator == "In" then $has and any($e.values[]; . == $l[$e.key])
        elif $e.operator == "NotIn" then ($has | not) or all($e.values[]; . != $l[$e.key])
        elif $e.operator == "Exists" then $has
        elif $e.operator == "DoesNotExist" then $has | not
        else false end));
def sel_empty: ((.matchLabels // {}) | length) == 0 and ((.matchExpressions // []) | length) == 0;
def sel_string: [((.matchLabels // {}) | to_entries[] | "\(.key)=\(.value)"),
    ((.matchExpressions // [])[] | if .operator == "In" then "\(.key) in (\(.values | join(",")))"
      elif .operator == "NotIn" then "\(.key) notin (\(.values | join(",")))"
      elif .operator == "Exists" then .key else "!\(.key)" end)] | join(",");
def labels_string: to_entries | map("\(.key)=\(.value)") | join(",");
def key: "\(.kind) \(.metadata.namespace // "-")/\(.metadata.name)";
'

# qv VAR jq-args...: VAR=$(q jq-args...), but a jq error fails the case (instead of silently
# producing no rows, which would look like "nothing to check")
qv() {
  local __out
  __out="$(q "${@:2}" 2>"$CASE/jq.err")" || fail "harness error (${FUNCNAME[1]}): jq: $(head -c 600 "$CASE/jq.err")"
  printf -v "$1" '%s' "$__out"
}

# NetworkPolicy: its podSelector must select the pods of exactly one StatefulSet of the output in the
# same namespace (by the StatefulSet's pod template labels; an empty selector would also restrict
# every other pod of the namespace), the API server must select exactly those pods, and every
# container port of those pods must be allowed by some ingress rule (else the policy cuts it off).
check_networkpolicies() {
  local ns name empty sel sts all ports live bad rows
  qv rows "$JQ_SEL"'
    [.items[] | select(.kind == "StatefulSet")] as $sts
    | .items[] | select(.kind == "NetworkPolicy") | .metadata.namespace as $ns | (.spec.podSelector // {}) as $s
    | [$ns, .metadata.name, ($s | sel_empty | tostring), ($s | sel_string),
       ([$sts[] | select(.metadata.namespace == $ns and (.spec.template.metadata.labels as $l | $s | sel_matches($l))) | .metadata.name] | join(" ")),
       ([$sts[] | select(.metadata.namespace == $ns) | "\(.metadata.name) {\(.spec.template.metadata.labels // {} | labels_string)}"] | join("; "))] | join("\u001f")'
  while IFS=$'\x1f' read -r ns name empty sel sts all; do
    [ -n "$name" ] || continue
    if [ "$empty" = true ]; then
      fail "networkpolicy $ns/$name: empty podSelector selects every pod of namespace $ns, not only the pods of a StatefulSet of the output"
      continue
    fi
    if [ -z "$sts" ] || [[ $sts == *" "* ]]; then
      fail "networkpolicy $ns/$name: podSelector {$sel} must match the pod template labels of exactly one StatefulSet of the output in $ns; it matches [${sts:-none}]; StatefulSets: ${all:-none}"
      continue
    fi
    # the server's own selector semantics: the pods it selects are exactly that StatefulSet's pods
    live="$(k get pods -n "$ns" -l "$sel" -o json 2>&1 | jq -r '[.items[] | "\(.metadata.name)<-\(.metadata.ownerReferences[]? | select(.controller) | "\(.kind)/\(.name)")"] | join(" ")' 2>&1)"
    bad="$(tr ' ' '\n' <<<"$live" | grep -v "<-StatefulSet/$sts\$" | paste -sd' ')"
    if [ -z "$live" ] || [ -n "$bad" ]; then
      fail "networkpolicy $ns/$name: the API server's pods for podSelector {$sel} are [${live:-none}], expected only (and some) pods of StatefulSet $sts"
    fi
    qv ports --arg ns "$ns" --arg n "$name" --arg sts "$sts" '
      (.items[] | select(.kind == "NetworkPolicy" and .metadata.namespace == $ns and .metadata.name == $n)) as $np
      | (.items[] | select(.kind == "StatefulSet" and .metadata.namespace == $ns and .metadata.name == $sts)) as $s
      | if (($np.spec.policyTypes // ["Ingress"]) | index("Ingress")) == null then empty else
        [$s.spec.template.spec.containers[] | .name as $c | .ports[]? | . as $p | ($p.protocol // "TCP") as $proto
          | select(any($np.spec.ingress[]?; (.ports // []) as $rp | ($rp | length) == 0 or any($rp[];
              ((.protocol // "TCP") == $proto) and (.port == null or .port == $p.containerPort or .port == $p.name
                or (.endPort != null and (.port | type) == "number" and .port <= $p.containerPort and $p.containerPort <= .endPort))))
            | not)
          | "\($c):\($p.name // "-")/\($p.containerPort)/\($proto)"] | join(", ") end'
    if [ -n "$ports" ]; then
      fail "networkpolicy $ns/$name: no ingress rule allows these container ports of StatefulSet $sts: $ports"
    else
      note "networkpolicy $ns/$name: podSelector {$sel} selects the pods of StatefulSet $sts ($live); every container port is allowed by an ingress rule"
    fi
  done <<<"$rows"
}

# ServiceMonitor: its selector (in the namespaces of its namespaceSelector; default: its own) must
# match exactly one Service of the output, the headless one (clusterIP None), the API server must
# agree, and every endpoint must name a port of that Service.
check_servicemonitors() {
  local ns name sel nss svcs svc clusterip svcports eports live want n e rows nerr
  qv rows "$JQ_SEL"'
    [.items[] | select(.kind == "Service")] as $svcs
    | .items[] | select(.kind == "ServiceMonitor") | .metadata.namespace as $ns | (.spec.selector // {}) as $s
    | (if .spec.namespaceSelector.any == true then null else (.spec.namespaceSelector.matchNames // [$ns]) end) as $nss
    | [$ns, .metadata.name, ($s | sel_string), (if $nss == null then "*" else ($nss | join(",")) end),
       ([$svcs[] | select(.metadata.namespace as $sns | ($nss == null or any($nss[]; . == $sns)) and (.metadata.labels as $l | $s | sel_matches($l)))
         | "\(.metadata.namespace)/\(.metadata.name)|\(.spec.clusterIP // "")|\([.spec.ports[]?.name] | join(" "))"] | join(";"))] | join("\u001f")'
  while IFS=$'\x1f' read -r ns name sel nss svcs; do
    [ -n "$name" ] || continue
    n=0; [ -z "$svcs" ] || n=$(tr ';' '\n' <<<"$svcs" | grep -c .)
    if [ "$n" != 1 ]; then
      fail "servicemonitor $ns/$name: selector {$sel} matches $n Services of the output in namespaces [$nss] (${svcs:-none}); expected exactly one, the headless Service; Services: $(q "$JQ_SEL"'[.items[] | select(.kind == "Service") | "\(.metadata.namespace)/\(.metadata.name) {\(.metadata.labels // {} | labels_string)}"] | join("; ")')"
      continue
    fi
    IFS='|' read -r svc clusterip svcports <<<"$svcs"
    nerr=${#ERRS[@]}
    [ "$clusterip" = None ] ||
      fail "servicemonitor $ns/$name: selects Service $svc, which is not headless (clusterIP ${clusterip:-<allocated>}): Prometheus would scrape one random pod per interval instead of every pod"
    qv eports --arg ns "$ns" --arg n "$name" '.items[] | select(.kind == "ServiceMonitor" and .metadata.namespace == $ns and .metadata.name == $n)
      | .spec.endpoints // [] | to_entries[] | "\(.key)=\(.value.port // "")"'
    [ -n "$eports" ] || fail "servicemonitor $ns/$name: no endpoints"
    for e in $eports; do
      if [ -z "${e#*=}" ]; then
        fail "servicemonitor $ns/$name: endpoints[${e%%=*}] names no port (Service $svc has ports: $svcports)"
      elif [[ " $svcports " != *" ${e#*=} "* ]]; then
        fail "servicemonitor $ns/$name: endpoints[${e%%=*}].port ${e#*=} is not a port of Service $svc (ports: $svcports)"
      fi
    done
    # the server's own selector semantics, in every namespace the ServiceMonitor looks at
    live=""
    if [ "$nss" = "*" ]; then
      live="$(k get services -A -l "$sel" -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {end}' 2>&1)"
    else
      for want in ${nss//,/ }; do
        live+="$(k get services -n "$want" -l "$sel" -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {end}' 2>&1)"
      done
    fi
    live="$(echo $live)"
    if [ "$live" != "$svc" ]; then
      fail "servicemonitor $ns/$name: the API server's Services for selector {$sel} in [$nss] are [${live:-none}], expected exactly $svc"
    elif [ ${#ERRS[@]} = "$nerr" ]; then
      note "servicemonitor $ns/$name: selects exactly the headless Service $svc (ports $svcports); endpoint ports: $(sed 's/^[0-9]*=//' <<<"$eports" | paste -sd' ')"
    fi
  done <<<"$rows"
}

# Pod templates of the output's StatefulSets:
# - a probe or lifecycle handler that names a port (tcpSocket/httpGet port "name") must name a port
#   of the same container (the API server checks only the syntax; the kubelet then fails the probe);
# - every Secret volume must be mounted by some container, and only read-only;
# - every named targetPort of a Service must be a container port of the StatefulSet it selects
#   (a Service with a selector must select the pods of a StatefulSet of the output).
check_pod_templates() {
  local problems secrets
  qv problems "$JQ_SEL"'
    [.items[] | select(.kind == "StatefulSet")] as $sts
    | ($sts[] | key as $k | .spec.template.spec as $p
      | (($p.initContainers // []) + ($p.containers // []))[] as $c | [$c.ports[]?.name] as $names
      | ("readinessProbe", "livenessProbe", "startupProbe") as $pr
      | ($c[$pr] // {}) as $probe | ("tcpSocket", "httpGet") as $h
      | $probe[$h].port // empty | select(. as $port | type == "string" and (any($names[]; . == $port) | not))
      | "\($k): container \($c.name): \($pr).\($h).port \"\(.)\" is not a port of the container (ports: \($names | join(", ") | if . == "" then "none" else . end))"),
      ($sts[] | key as $k | .spec.template.spec as $p | (($p.initContainers // []) + ($p.containers // []))[] as $c
      | ("postStart", "preStop") as $lc | ("tcpSocket", "httpGet") as $h | [$c.ports[]?.name] as $names
      | $c.lifecycle[$lc][$h].port? // empty | select(. as $port | type == "string" and (any($names[]; . == $port) | not))
      | "\($k): container \($c.name): lifecycle.\($lc).\($h).port \"\(.)\" is not a port of the container"),
      ($sts[] | key as $k | .spec.template.spec as $p | (($p.initContainers // []) + ($p.containers // [])) as $cs
      | $p.volumes[]? | select(.secret) | . as $v
      | [$cs[] | .name as $cn | .volumeMounts[]? | select(.name == $v.name) | {c: $cn, path: .mountPath, ro: (.readOnly == true)}] as $m
      | if ($m | length) == 0 then "\($k): Secret volume \($v.name) (Secret \($v.secret.secretName)) is mounted by no container"
        else ($m[] | select(.ro | not) | "\($k): container \(.c) mounts Secret volume \($v.name) read-write at \(.path)") end),
      (.items[] | select(.kind == "Service" and ((.spec.selector // {}) | length) > 0) | key as $k | .metadata.namespace as $ns
      | {matchLabels: .spec.selector} as $s | .spec.ports as $sp
      | [$sts[] | select(.metadata.namespace == $ns and (.spec.template.metadata.labels as $l | $s | sel_matches($l)))] as $m
      | if ($m | length) == 0 then "\($k): selector {\($s | sel_string)} selects the pods of no StatefulSet of the output"
        else ($m[] | key as $sk | [.spec.template.spec.containers[].ports[]?.name] as $names
          | $sp[] | select(.targetPort as $tp | ($tp | type) == "string" and (any($names[]; . == $tp) | not))
          | "\($k): port \(.name // .port) has targetPort \"\(.targetPort)\", which is not a container port of \($sk) (ports: \($names | join(", ")))") end)'
  if [ -n "$problems" ]; then
    fail "pod templates:"$'\n'"$(sed 's/^/    /' <<<"$problems")"
  else
    note "pod templates: probe/lifecycle port names, Secret volume mounts and Service targetPorts are consistent"
  fi
  qv secrets '[.items[] | select(.kind == "Secret") | "\(.metadata.namespace)/\(.metadata.name)"] as $have
    | [.items[] | select(.kind == "StatefulSet") | .metadata.namespace as $ns | .spec.template.spec.volumes[]?.secret.secretName // empty
      | "\($ns)/\(.)" | select(. as $s | any($have[]; . == $s) | not)] | unique | join(", ")'
  [ -z "$secrets" ] || note "the pods mount Secrets that are not part of the output (they must exist before the pods can start): $secrets"
}

snapshot() { # file: the live objects of the case, always as a List
  k get -f "$CASE/objects.json" -o json 2>"$CASE/get.err" | jq 'if .kind == "List" then . else {items: [.]} end' >"$1" &&
    [ ! -s "$CASE/get.err" ]
}

check_idempotent() {
  local changed
  snapshot "$CASE/before.json" || { fail "get: $(cat "$CASE/get.err")"; return; }
  if ! k apply --server-side --field-manager="$FM" -f "$CASE/objects.json" >/dev/null 2>"$CASE/apply2.err"; then
    fail "second apply failed: $(cat "$CASE/apply2.err")"
    return
  fi
  snapshot "$CASE/after.json" || { fail "get: $(cat "$CASE/get.err")"; return; }
  # an object changed if its resourceVersion moved AND the change is not only status written by a
  # controller meanwhile (the object minus status/resourceVersion/managedFields, plus our own
  # managedFields entry, must be equal)
  changed="$(jq -rn --slurpfile a "$CASE/before.json" --slurpfile b "$CASE/after.json" --arg fm "$FM" '
    def key: "\(.kind) \(.metadata.namespace // "-")/\(.metadata.name)";
    def norm: del(.status, .metadata.resourceVersion) | .metadata.managedFields |= map(select(.manager == $fm));
    ($a[0].items | map({key: key, value: .}) | from_entries) as $before
    | $b[0].items[] | key as $k | $before[$k] as $o
    | select($o == null or ($o.metadata.resourceVersion != .metadata.resourceVersion and ($o | norm) != (. | norm)))
    | "\($k) (resourceVersion \($o.metadata.resourceVersion) -> \(.metadata.resourceVersion), generation \($o.metadata.generation // "-") -> \(.metadata.generation // "-"))"')"
  if [ -n "$changed" ]; then
    fail "applying the same output a second time changed:"$'\n'"$(sed 's/^/    /' <<<"$changed")"
  else
    note "second apply: no object changed ($(jq '.items | length' "$CASE/after.json") objects, same resourceVersions)"
  fi
}

cleanup_case() { # namespaces-created...
  local ns pc
  k delete -f "$CASE/objects.json" --ignore-not-found --wait=false >/dev/null 2>"$CASE/delete.err" ||
    fail "delete: $(cat "$CASE/delete.err")"
  # Pods (never scheduled, so deleted at once) and PVCs (held by the pvc-protection finalizer while
  # a pod uses them) go first: otherwise the namespace controller finds finalizers and requeues the
  # namespace for several seconds more than its fixed 5 s grace period.
  for ns in "$@"; do
    k delete statefulsets,pods,persistentvolumeclaims --all -n "$ns" --wait=true --timeout="${DELETE_TIMEOUT}s" >/dev/null 2>"$CASE/delete.err" ||
      fail "cleanup: deleting pods and PVCs in $ns: $(cat "$CASE/delete.err")"
  done
  for ns in "$@"; do
    if [[ $SYSTEM_NS == *" $ns "* ]]; then
      k label namespace "$ns" pod-security.kubernetes.io/enforce- pod-security.kubernetes.io/enforce-version- \
        pod-security.kubernetes.io/audit- pod-security.kubernetes.io/warn- >/dev/null 2>&1
      continue
    fi
    k delete namespace "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
  done
  # The namespace controller takes ~5 s per namespace: the next cases run meanwhile, and the check that
  # everything is gone happens at the end (check_cleanups), named after this case. A later case that
  # needs the same namespace or PersistentVolume waits for it (prepare_namespace, wait_stale_pvs).
  for pc in "${PRIORITY_CLASSES[@]}"; do
    k delete priorityclass "$pc" --ignore-not-found >/dev/null 2>&1 || fail "cleanup: PriorityClass $pc not deleted"
  done
  CLEANUPS+=("$CASE_NAME")
  mkdir -p "$WORK/cleanup"
  {
    printf '%s\n' "$@" $(q '.items[] | select(.kind == "Namespace") | .metadata.name') | sort -u |
      while IFS= read -r ns; do [[ $SYSTEM_NS == *" $ns "* ]] || echo "namespace $ns"; done
    q '.items[] | select(.kind == "PersistentVolume") | "persistentvolume \(.metadata.name)"'
  } >"$WORK/cleanup/${#CLEANUPS[@]}.pending"
  cp "$CASE/objects.json" "$WORK/cleanup/${#CLEANUPS[@]}.json"
}

# wait_stale_pvs: a PersistentVolume of this case's output still being deleted by an earlier case
wait_stale_pvs() {
  local pv
  for pv in $(q '.items[] | select(.kind == "PersistentVolume") | .metadata.name'); do
    wait_until "$DELETE_TIMEOUT" pv_gone "$pv" || fail "pv $pv (an earlier case's) is still present after ${DELETE_TIMEOUT}s"
  done
}

# check_cleanups: every case's namespaces and PersistentVolumes are gone, and nothing else of its output
# is left; prints one FAIL line per leftover, named after its case. 0 = clean.
check_cleanups() {
  local i kind obj left rc=0
  for i in "${!CLEANUPS[@]}"; do
    while read -r kind obj; do
      wait_until "$DELETE_TIMEOUT" gone "$kind" "$obj" && continue
      log "FAIL ${CLEANUPS[i]}: cleanup: $kind $obj not gone after ${DELETE_TIMEOUT}s: $(k get "$kind" "$obj" -o jsonpath='{.status.conditions[?(@.status=="True")].message}' 2>&1)"
      rc=1
    done <"$WORK/cleanup/$((i + 1)).pending"
    left="$(k get -f "$WORK/cleanup/$((i + 1)).json" --ignore-not-found -o name 2>/dev/null)"
    [ -z "$left" ] || { log "FAIL ${CLEANUPS[i]}: cleanup: still present: $(echo $left)"; rc=1; }
  done
  return $rc
}

# run_case NAME FILE [bad]: 0 = all checks passed
run_case() {
  local name="$1" file="$2" bad="${3:-}" pod_t="$POD_TIMEOUT" bind_t="$BIND_TIMEOUT" ns created=() warnings
  ERRS=() NOTES=() LAPS=() LAP_T0=$(date +%s.%N) CASE_NAME="$name"
  [ -n "$bad" ] && pod_t="$BAD_TIMEOUT" bind_t="$BAD_TIMEOUT"
  CASE="$WORK/case"
  rm -rf "$CASE"; mkdir -p "$CASE"
  # the per-case namespace for objects without metadata.namespace
  local casens
  casens="t-$(echo "$name" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\n' '-' | tr -s '-' | cut -c1-50 | sed 's/-*$//')"

  if ! "$YAML2JSON" "$file" >"$CASE/raw.json" 2>"$CASE/parse.err"; then
    fail "cannot parse $file: $(cat "$CASE/parse.err")"
    return 1
  fi
  learn_scopes "$CASE/raw.json"
  # like kpt/kubectl: local-config objects (e.g. the RabbitMQCluster itself) are not applied;
  # namespaced objects without a namespace go to the per-case namespace
  jq --slurpfile s "$SCOPES" --arg ns "$casens" '
    .items |= map(select(.metadata.annotations["config.kubernetes.io/local-config"] != "true")
      | (($s[0][.apiVersion + "/" + .kind]) | if . == null then true else . end) as $namespaced
      | if $namespaced then .metadata.namespace //= $ns else . end)' "$CASE/raw.json" >"$CASE/objects.json"
  if [ "$(q '.items | length')" = 0 ]; then
    fail "no objects in $file"
    return 1
  fi
  note "$(q '[.items[] | .kind] | group_by(.) | map("\(length) \(.[0])") | join(", ")')"

  for ns in $(q '[.items[] | .metadata.namespace // empty] | unique | .[]'); do
    prepare_namespace "$ns" || return 1
    created+=("$ns")
    # what any ServiceAccount of the namespace may do before the output is applied (discovery,
    # self reviews, ...): the RBAC checks compare against it
    rules_of "$ns" "$NOBODY_PREFIX$ns:$NOBODY" >"$CASE/baseline.$ns"
  done
  prepare_priority_classes || return 1

  wait_stale_pvs
  local applied=0
  if ! k apply --server-side --field-manager="$FM" -f "$CASE/objects.json" >"$CASE/apply.out" 2>"$CASE/apply.err"; then
    fail "apply rejected:"$'\n'"$(grep -v '^Warning:' "$CASE/apply.err" | sed 's/^/    /')"
  else
    applied=1
    note "applied $(wc -l <"$CASE/apply.out") objects (server-side, field manager $FM)"
  fi
  warnings="$(grep '^Warning:' "$CASE/apply.err")"
  if [ -n "$warnings" ]; then
    if grep -q 'PodSecurity' <<<"$warnings"; then fail "apply warnings:"$'\n'"$(sed 's/^/    /' <<<"$warnings")"
    else note "apply warnings: $warnings"; fi
  fi

  for ns in "${created[@]}"; do
    [ "$(k get namespace "$ns" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')" = restricted ] ||
      fail "namespace $ns is no longer labelled pod-security.kubernetes.io/enforce=restricted after the apply"
  done
  lap apply
  if [ $applied = 1 ]; then
    check_statefulsets "$pod_t"; lap pods
    check_volumes "$bind_t"; lap volumes
    check_serviceaccounts; lap rbac
    check_nodeports
    check_networkpolicies
    check_servicemonitors
    check_pod_templates; lap refs
    [ ${#ERRS[@]} -eq 0 ] && check_idempotent; lap reapply
  fi

  if [ ${#ERRS[@]} -gt 0 ] && [ "${K8S_KEEP_CASE:-0}" = 1 ]; then
    note "K8S_KEEP_CASE=1: left in place: namespaces ${created[*]}"
    return 1
  fi
  cleanup_case "${created[@]}"
  lap cleanup
  note "timings: ${LAPS[*]}"
  [ ${#ERRS[@]} -eq 0 ]
}

# ------------------------------------------------------------------------------ the cases ---
CASES=() # "name|file|bad"
add_case() { [ -z "$FILTER" ] || [[ $1 =~ $FILTER ]] && CASES+=("$1|$2|${3:-}"); }
if [ $# -gt 0 ]; then
  for f in "$@"; do
    f="$(readlink -f "$f")"
    case "$f" in
      "$HERE"/bad/*) add_case "bad/$(basename "$f" .yaml)" "$f" bad ;;
      */testdata/golden/*/want.yaml) add_case "golden/$(basename "$(dirname "$f")")" "$f" ;;
      *) add_case "$(basename "$(dirname "$f")")/$(basename "$f" .yaml)" "$f" ;;
    esac
  done
else
  for set in $SETS; do
    case "$set" in
      samples) for f in "$HERE"/samples/*.yaml; do [ -f "$f" ] && add_case "samples/$(basename "$f" .yaml)" "$f"; done ;;
      golden)
        for d in "$ROOT"/testdata/golden/*/; do
          [ -f "$d/want.yaml" ] || continue # cases with want-error.txt are invalid configs
          add_case "golden/$(basename "$d")" "$d/want.yaml"
        done ;;
      kustomize) for f in "$ROOT"/testdata/kustomize/*.yaml; do [ -f "$f" ] && add_case "kustomize/$(basename "$f" .yaml)" "$f"; done ;;
      bad) for f in "$HERE"/bad/*.yaml; do [ -f "$f" ] && add_case "bad/$(basename "$f" .yaml)" "$f" bad; done ;;
      *) log "unknown set '$set' (samples golden kustomize bad)"; exit 2 ;;
    esac
  done
fi

install_crds || { log "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 CLEANUPS=()
for c in "${CASES[@]}"; do
  IFS='|' read -r name file bad <<<"$c"
  t0=$(date +%s.%N)
  log "=== $name ($(realpath -m --relative-to="$ROOT" "$file"))"
  run_case "$name" "$file" "$bad"
  rc=$?
  for n in "${NOTES[@]}"; do log "    $n"; done
  if [ -z "$bad" ]; then
    if [ $rc -eq 0 ]; then
      log "PASS $name ($(elapsed "$t0"))"; passed=$((passed + 1))
    else
      log "FAIL $name ($(elapsed "$t0"))"; for e in "${ERRS[@]}"; do log "$e" | indent; done; failed=$((failed + 1))
    fi
  else
    # a deliberately broken fixture passes when the harness reports failure and every
    # "# expect: ERE" line of the fixture matches the failure report
    report="$(printf '%s\n' "${ERRS[@]}")"
    unmatched=()
    while IFS= read -r re; do
      [ -n "$re" ] && ! grep -Eq -- "$re" <<<"$report" && unmatched+=("$re")
    done < <(sed -n 's/^# expect: //p' "$file")
    if [ $rc -ne 0 ] && [ ${#unmatched[@]} -eq 0 ]; then
      log "PASS $name ($(elapsed "$t0")): the harness reported the breakage:"; log "$report" | indent
      passed=$((passed + 1))
    elif [ $rc -eq 0 ]; then
      log "FAIL $name ($(elapsed "$t0")): the harness did NOT detect the broken fixture"; failed=$((failed + 1))
    else
      log "FAIL $name ($(elapsed "$t0")): failure report does not match: ${unmatched[*]}"; log "$report" | indent
      failed=$((failed + 1))
    fi
  fi
done

[ ${#CASES[@]} -gt 0 ] || log "no cases selected"
t0=$(date +%s.%N)
if check_cleanups; then log "cleanup of ${#CLEANUPS[@]} cases checked: nothing left ($(elapsed "$t0"))"; else failed=$((failed + 1)); fi
log "total $(elapsed "$t_start")"
stop_cluster
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#CASES[@]} -gt 0 ]
exit
}
