#!/usr/bin/env bash
# Builds helm from the pinned Go module beside this script into .cluster/bin/helm, for the importer's
# differential test (test/import/helm-chart.test.ts). Go's caches make a second run take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../.cluster/bin"
mkdir -p "$bin"
version=$(cd "$here" && go list -m -f '{{.Version}}' helm.sh/helm/v3)
echo "helm build: helm.sh/helm/v3 $version"
# the version helm reports (and templates see as .Capabilities.HelmVersion), as its own Makefile sets it
(cd "$here" && go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$version" -o "$bin/helm" helm.sh/helm/v3/cmd/helm)
"$bin/helm" version --short
