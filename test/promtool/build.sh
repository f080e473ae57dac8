#!/usr/bin/env bash
# Builds promtool from the pinned Go module beside this script into .cluster/bin/promtool, for the alert
# rule tests (test/constructs/alerts-promtool.test.ts). Go's caches make a second run take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../.cluster/bin"
mkdir -p "$bin"
version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
echo "promtool build: github.com/prometheus/prometheus $version"
(cd "$here" && go build -o "$bin/promtool" github.com/prometheus/prometheus/cmd/promtool)
"$bin/promtool" check rules --help >/dev/null
