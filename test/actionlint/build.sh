#!/usr/bin/env bash
# Builds actionlint from the pinned Go module beside this script into .cluster/bin/actionlint, to check the
# workflow init writes (test/init/templates.test.ts). Go's caches make a second run take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../.cluster/bin"
mkdir -p "$bin"
echo "actionlint build: $(cd "$here" && go list -m -f '{{.Path}} {{.Version}}' github.com/rhysd/actionlint)"
(cd "$here" && go build -o "$bin/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
