#!/usr/bin/env bash
# Builds KEDA's operator and metrics API server for the queue-scaling test (keda.test.ts) from the pinned Go
# module beside this script, as one binary (./cmd; one link instead of two): .cluster/bin/keda-operator, and
# keda-adapter a hard link to it (the name it runs as chooses). KEDA's CRDs, from the same module, go to
# .cluster/bin/keda-crds. The metrics API server is KEDA's provider and gRPC client assembled in cmd/adapter.go
# (cmd/adapter's own main adds a Prometheus listener on every interface, with no flag for its address).
#
# Only KEDA's Redis scalers are compiled: the other scalers pull in the cloud SDKs and database and broker
# clients that made the cold build take 16 minutes. The go command refuses -overlay for files in its module
# cache, so the module (downloaded and checked against go.sum) is copied from there to .cluster/keda-build/keda
# and built through a replace directive in a copy of go.mod (-modfile), after these deletions in the copy:
#  - pkg/scalers/*_scaler.go except redis_scaler.go and redis_streams_scaler.go: the other scalers, which
#    nothing but the scalers builder's type switch refers to;
#  - the helper files of pkg/scalers/azure and pkg/scalers/aws that only those scalers use (DROPPED_HELPERS);
#  - in pkg/scaling/scalers_builder.go, the cases of the trigger type switch (between KEDA's own TRIGGERS-START
#    and TRIGGERS-END markers) other than the redis ones; its default ("no scaler found for type") stays.
# Everything else is KEDA's code as released: controllers, scale handler, TriggerAuthentication resolvers with
# every secret provider and pod identity, the gRPC metrics service, the metrics provider.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="$root/.cluster/bin"
out="$root/.cluster/keda-build"
module=github.com/kedacore/keda/v2
DROPPED_HELPERS=(
  pkg/scalers/azure/azure_app_insights.go
  pkg/scalers/azure/azure_data_explorer.go
  pkg/scalers/azure/azure_eventhub.go
  pkg/scalers/azure/azure_eventhub_checkpoint.go
  pkg/scalers/azure/azure_managed_prometheus_http_round_tripper.go
  pkg/scalers/azure/azure_storage.go
  pkg/scalers/aws/aws_sigv4.go
)
KEPT_SCALERS=(redis_scaler.go redis_streams_scaler.go)
fail() { echo "keda build: $*" >&2; exit 1; }

mkdir -p "$bin"
version=$(cd "$here" && go list -m -f '{{.Version}}' "$module")
echo "keda build: $module $version, Redis scalers only"
(cd "$here" && go mod download "$module")
dir=$(cd "$here" && go list -m -f '{{.Dir}}' "$module")

# the copy, pruned
if [ -d "$out" ]; then chmod -R u+w "$out" && rm -rf "$out"; fi
mkdir -p "$out"
cp -R "$dir" "$out/keda"
chmod -R u+w "$out/keda"
src="$out/keda"
dropped=0
for f in "$src"/pkg/scalers/*_scaler.go; do
  keep=0
  for k in "${KEPT_SCALERS[@]}"; do [ "$(basename "$f")" = "$k" ] && keep=1; done
  if [ "$keep" = 0 ]; then rm "$f"; dropped=$((dropped + 1)); fi
done
for k in "${KEPT_SCALERS[@]}"; do [ -f "$src/pkg/scalers/$k" ] || fail "pkg/scalers/$k not in $module $version"; done
for f in "${DROPPED_HELPERS[@]}"; do
  [ -f "$src/$f" ] || fail "$f not in $module $version: DROPPED_HELPERS needs a look"
  rm "$src/$f"
done
builder="$src/pkg/scaling/scalers_builder.go"
awk '
  /^\t\/\/ TRIGGERS-START$/ { inside = 1; markers++; print; next }
  /^\t\/\/ TRIGGERS-END$/ { inside = 0; markers++; print; next }
  !inside { print; next }
  /^\tswitch triggerType \{$/ || /^\t\}$/ { print; next }
  /^\tcase "redis[a-z-]*":$/ || /^\tdefault:$/ { keep = 1; print; next }
  /^\tcase / || /^\t\/\// { keep = 0; next }
  keep { print }
  END { if (markers != 2) exit 1 }
' "$dir/pkg/scaling/scalers_builder.go" > "$builder" || fail "no TRIGGERS-START/END markers in pkg/scaling/scalers_builder.go"
cases=$(sed -n '/TRIGGERS-START/,/TRIGGERS-END/p' "$builder" | grep -c '^	case "redis' || true)
[ "$cases" = 6 ] && grep -q '^	default:$' "$builder" || fail "expected 6 redis cases and a default in the narrowed scalers_builder.go, got $cases"
echo "keda build: $dropped scalers and ${#DROPPED_HELPERS[@]} of their helper files left out; trigger types: $(sed -n 's/^	case "\(redis[a-z-]*\)":$/\1/p' "$builder" | tr '\n' ' ')"

# KEDA's operator main in this test's package: its main renamed, added through an overlay
[ "$(grep -c '^func main() {$' "$dir/cmd/operator/main.go")" = 1 ] || fail "cmd/operator/main.go: no single 'func main() {'"
sed 's/^func main() {$/func operatorMain() {/' "$dir/cmd/operator/main.go" > "$out/operator.go"
printf '{"Replace": {"%s": "%s"}}\n' "$here/cmd/operator.go" "$out/operator.go" > "$out/overlay.json"

# go.mod and go.sum as committed, plus the replace directive to the copy
cp "$here/go.mod" "$out/go.mod"
cp "$here/go.sum" "$out/go.sum"
(cd "$here" && go mod edit -modfile="$out/go.mod" -replace "$module=$src")

# -s -w: no symbol table or DWARF (a shorter link; panics still print their stack traces)
(cd "$here" && go build -modfile="$out/go.mod" -overlay="$out/overlay.json" \
  -ldflags "-s -w -X $module/version.Version=$version" -o "$bin/keda-operator" ./cmd)
ln -f "$bin/keda-operator" "$bin/keda-adapter"
rm -rf "$bin/keda-crds"
mkdir -p "$bin/keda-crds"
cp "$dir"/config/crd/bases/*.yaml "$bin/keda-crds/"
chmod -R u+w "$bin/keda-crds"
