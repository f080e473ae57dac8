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
# Flux, serving a Git repository from a loopback Git server; CRDs from the same modules as the controllers
build flux-source github.com/fluxcd/source-controller
build flux-kustomize github.com/fluxcd/kustomize-controller
build gitserver .
# a NetworkPolicy evaluator: cyclonus's matcher, the engine SIG Network's policy-assistant grew from
build netpol .
# Argo CD's sync engine (gitops-engine as Argo CD v3.6 vendors it) driving the API server, for argocd.test.ts;
# that module needs Go 1.27, which the go command takes from the Go module proxy for this build only
GOTOOLCHAIN=go1.27.3 build argocd .
mkdir -p "$bin/flux-crds"
for m in flux-source:github.com/fluxcd/source-controller flux-kustomize:github.com/fluxcd/kustomize-controller; do
  cp "$(cd "$here/${m%%:*}" && go list -m -f '{{.Dir}}' "${m#*:}")"/config/crd/bases/*.yaml "$bin/flux-crds/"
done
chmod -R u+w "$bin/flux-crds"
# cert-manager's controllers (test/cluster/cert-manager/main.go) and CRDs, for the Ingress certificate test
# (cert-manager.test.ts); its cold build took under 2 minutes on two cores
bash "$here/cert-manager/build.sh"
# KEDA's operator and metrics API server (one binary, only its Redis scalers compiled), and its CRDs, for the
# queue-scaling test (keda.test.ts)
bash "$here/keda/build.sh"
ls "$bin"
