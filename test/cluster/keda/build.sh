#!/usr/bin/env bash
# Builds KEDA's operator and metrics API server (adapter) from the pinned Go module beside this script into
# .cluster/bin (keda-operator, keda-adapter), and copies KEDA's CRDs from the same module to .cluster/bin/keda-crds.
# The metrics API server is KEDA's provider and gRPC client assembled in ./adapter (cmd/adapter's own main adds a
# Prometheus listener on every interface, with no flag for its address).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../../.cluster/bin"
mkdir -p "$bin"
version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/kedacore/keda/v2)
echo "keda build: github.com/kedacore/keda/v2 $version"
(cd "$here" && go build -ldflags "-X github.com/kedacore/keda/v2/version.Version=$version" -o "$bin/keda-operator" github.com/kedacore/keda/v2/cmd/operator)
(cd "$here" && go build -ldflags "-X github.com/kedacore/keda/v2/version.Version=$version" -o "$bin/keda-adapter" ./adapter)
mkdir -p "$bin/keda-crds"
cp "$(cd "$here" && go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)"/config/crd/bases/*.yaml "$bin/keda-crds/"
chmod -R u+w "$bin/keda-crds"
