#!/bin/sh
# rabbitmq-krm: Argo CD Config Management Plugin discovery (spec.discover.find.command).
#
# argocd-cmp-server runs it in the application directory of an unpacked copy of the WHOLE repository, so
# references such as `../../generators` resolve. Argo CD uses the plugin when this prints anything on
# stdout, and (because discovery is configured) ALSO requires that for Applications that name the plugin:
# an empty answer there fails with `could not find cmp-server plugin with name "rabbitmq-krm-v1"
# supporting the given repository`. A non-zero exit counts as "no", so this always exits 0.
#
# It prints the first generator config it finds: a file with a RabbitMQCluster (apiVersion rabbitmq-krm.dev/...)
# carrying a config.kubernetes.io/function annotation, reached from the app directory's kustomization
# through resources / generators / transformers / components / bases, recursively (each kustomization
# once), or written inline in one of those kustomizations. Directories without a kustomization and plain
# kustomize apps print nothing and stay with Argo CD's built-in kustomize. Not followed: remote
# references (URLs, git repos), which are not in the unpacked copy.
#
# Portable: POSIX sh (dash) builtins and grep only (no coreutils: Ubuntu 25.10, the base of Argo CD's v3.3
# image, ships Rust coreutils), run as uid 999.
set -f      # entries are paths, never globs
LC_ALL=C
export LC_ALL

cr=$(printf '\r')   # CRLF files
queue=$(pwd -P) || exit 0
seen=
budget=500  # kustomizations visited at most

# ours FILE: FILE holds a rabbitmq-krm generator config (apiVersion, kind and function annotation;
# leading spaces and `- ` allowed, so a config written inline in a kustomization counts too).
ours() {
  grep -qE '^[[:space:]-]*apiVersion:[[:space:]]*["'\'']?rabbitmq-krm\.dev/' "$1" 2>/dev/null &&
    grep -qE '^[[:space:]-]*kind:[[:space:]]*["'\'']?RabbitMQCluster["'\'']?[[:space:]]*(#.*)?$' "$1" 2>/dev/null &&
    grep -qE '^[[:space:]]*["'\'']?config\.(kubernetes|k8s)\.io/function["'\'']?[[:space:]]*:' "$1" 2>/dev/null
}

# entry DIR VALUE: one listed reference, relative to the kustomization's directory DIR.
entry() {
  v=${1%"$cr"}
  v=${v%%[[:space:]]#*}                     # trailing comment
  v=${v#"${v%%[![:space:]]*}"}              # leading blanks
  v=${v%"${v##*[![:space:]]}"}              # trailing blanks
  case $v in
    \"*\") v=${v#\"}; v=${v%\"} ;;
    \'*\') v=${v#\'}; v=${v%\'} ;;
  esac
  case $v in
    ''|'|'*|'>'*|*://*|git@*|github.com/*|*'?ref='*) return ;;   # empty, inline block, remote
    /*) p=$v ;;
    *) p=$dir/$v ;;
  esac
  if [ -d "$p" ]; then
    queue="$queue
$p"
  elif [ -f "$p" ] && ours "$p"; then
    printf '%s\n' "${p#"$root"/}"
    exit 0
  fi
}

root=$queue
while [ -n "$queue" ] && [ "$budget" -gt 0 ]; do
  dir=${queue%%
*}
  case $queue in *'
'*) queue=${queue#*
} ;; *) queue= ;; esac
  dir=$(cd "$dir" 2>/dev/null && pwd -P) || continue
  case "
$seen
" in *"
$dir
"*) continue ;; esac
  seen="$seen
$dir"
  k=
  for f in kustomization.yaml kustomization.yml Kustomization; do
    if [ -f "$dir/$f" ]; then k=$dir/$f; break; fi
  done
  [ -n "$k" ] || continue
  budget=$((budget - 1))
  if ours "$k"; then
    printf '%s\n' "${k#"$root"/}"
    exit 0
  fi
  # The reference lists: block style (`key:` then `- item` lines) and flow style (`key: [a, b]`).
  section=
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in
      resources:*|generators:*|transformers:*|components:*|bases:*)
        section=1
        rest=${line#*:}
        rest=${rest%%[[:space:]]#*}
        case $rest in
          *'['*)
            rest=${rest#*[}
            rest=${rest%]*}
            IFS=,
            for v in $rest; do entry "$v"; done
            unset IFS
            ;;
        esac
        ;;
      [!\ \	#-]*) section= ;;            # any other top-level key ends the list
      *)
        if [ -n "$section" ]; then
          case $line in
            *[!\ \	]*) ;;
            *) continue ;;
          esac
          item=${line#"${line%%[! 	]*}"}  # leading blanks
          case $item in
            '- '*|'-') entry "${item#-}" ;;
          esac
        fi
        ;;
    esac
  done < "$k"
done
exit 0
