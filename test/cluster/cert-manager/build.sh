#!/usr/bin/env bash
# Builds the cert-manager controller of the Ingress certificate test (main.go: cert-manager's controllers from the
# pinned library module) into .cluster/bin/cert-manager-controller, and copies cert-manager's CRDs from the same
# module (deploy/crds) to .cluster/bin/cert-manager-crds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../../.cluster/bin"
mkdir -p "$bin"
version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/cert-manager/cert-manager)
echo "cert-manager build: github.com/cert-manager/cert-manager $version"
(cd "$here" && go build -ldflags "-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$version" -o "$bin/cert-manager-controller" .)
mkdir -p "$bin/cert-manager-crds"
cp "$(cd "$here" && go list -m -f '{{.Dir}}' github.com/cert-manager/cert-manager)"/deploy/crds/*.yaml "$bin/cert-manager-crds/"
chmod -R u+w "$bin/cert-manager-crds"
