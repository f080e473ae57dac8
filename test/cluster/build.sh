#!/usr/bin/env bash
# Builds the upstream components of the cluster tests into .cluster/bin from the pinned Go modules
# beside this script. Go's module and build caches make a second run take seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../.cluster/bin"
mkdir -p "$bin"

build() { # module dir, packages...
  local dir="$1"; shift
  echo "cluster build: $dir ($(grep -m1 -E '^require ' "$here/$dir/go.mod"))"
  (cd "$here/$dir" && go build -o "$bin/" "$@")
}

build kube k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
build etcd .
build kwok sigs.k8s.io/kwok/cmd/kwok
# kwok's own "fast" stages: nodes ready with lease heartbeats, pods ready, Job pods completed
kubectl kustomize "$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage/fast" > "$bin/kwok-stages.yaml"
ls "$bin"
