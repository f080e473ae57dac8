#!/usr/bin/env bash
# npm run test:cluster: the cluster suite in two vitest processes, each one control plane at a time. The KEDA
# scenario spends six of its seven minutes waiting out the generated scale-down windows, so it runs (with the
# short scenarios) beside the rest instead of after it. With arguments (vitest filters), one process runs them.
set -uo pipefail
cd "$(dirname "$0")/../.."
config=(--config vitest.cluster.config.mts)
[ $# -gt 0 ] && exec npx vitest run "${config[@]}" "$@"

beside=(test/cluster/keda.test.ts test/cluster/cert-manager.test.ts test/cluster/cloudnative-pg.test.ts test/cluster/netpol.test.ts)
log=$(mktemp)
npx vitest run "${config[@]}" "${beside[@]}" >"$log" 2>&1 &
pid=$!
# an interruption must not leave the other process running (pid is cleared once it has ended)
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -f "$log"' EXIT
trap 'exit 143' INT TERM
excludes=()
for f in "${beside[@]}"; do excludes+=(--exclude "$f"); done
npx vitest run "${config[@]}" "${excludes[@]}"
main=$?
wait "$pid"
side=$?
pid=
echo "--- beside it: ${beside[*]}"
cat "$log"
[ "$main" -eq 0 ] && [ "$side" -eq 0 ]
