#!/usr/bin/env bash
# Prints the version stamped into the binary and the image: $VERSION when set, the tag when HEAD
# is exactly a release tag (v*), else the next release from VERSION with the commit:
# v0.2.0-dev+3f2c1ab (+.dirty with uncommitted changes). The docs and the Argo CD component
# reference the release in VERSION (a test keeps them equal).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${VERSION:-}" ]; then echo "$VERSION"; exit 0; fi
release=$(cat VERSION)
if tag=$(git describe --tags --exact-match --match 'v*' 2>/dev/null); then echo "$tag"; exit 0; fi
sha=$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=".dirty"
echo "$release-dev+$sha$dirty"
