#!/usr/bin/env bash
# Synthesis benchmark: wall time (hyperfine) and peak memory (GNU time) for 1, 10 and 100 generated
# instances and for the bundled set. Results go to bench/results.md. Needs: hyperfine, GNU time
# (Debian: apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install hyperfine" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }

RUNS=${RUNS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm run -s build
node build/src/main.js --out "$work/warm" --quiet 2>/dev/null   # fills the validator cache

# N copies of the `ha` definition, each its own instance and namespace
for n in 1 10 100; do
  mkdir -p "$work/in-$n"
  for i in $(seq 1 "$n"); do
    sed -e "s/^name: ha$/name: bench-$i/" instances/ha.yaml > "$work/in-$n/bench-$i.yaml"
  done
done

# each set writes to its own folder; "fresh" rows delete it first, so every file is written
synth() { echo "node build/src/main.js --quiet --instances $1 --out $work/out-$2"; }
hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/h.json" \
  -n 'node -e 0' 'node -e 0' \
  -n bundled "$(synth instances bundled)" \
  -n 1 "$(synth "$work/in-1" 1)" \
  -n 10 "$(synth "$work/in-10" 10)" \
  -n 100 "$(synth "$work/in-100" 100)" >/dev/null
hyperfine --runs "$RUNS" --export-json "$work/fresh.json" \
  --prepare "rm -rf $work/out-fresh" \
  -n 'bundled, fresh dist' "$(synth instances fresh)" \
  -n '100, fresh dist' "$(synth "$work/in-100" fresh)" >/dev/null
hyperfine --runs 3 --export-json "$work/cold.json" \
  --prepare "rm -rf node_modules/.cache/mastodon-cdk8s $work/out-cold" -n 'bundled, cold cache' "$(synth instances cold)" >/dev/null
node build/src/main.js --out "$work/warm" --quiet 2>/dev/null

peak() { rm -rf "$work/out-peak"; /usr/bin/time -f '%M' node build/src/main.js --quiet --instances "$1" --out "$work/out-peak" 2>&1 >/dev/null | tail -1; }
declare -A mem
mem[bundled]=$(peak instances); mem[1]=$(peak "$work/in-1"); mem[10]=$(peak "$work/in-10"); mem[100]=$(peak "$work/in-100")

node - "$work/h.json" "$work/fresh.json" "$work/cold.json" "${mem[bundled]}" "${mem[1]}" "${mem[10]}" "${mem[100]}" <<'NODE' > bench/results.md
const [h, fresh, cold, mb, m1, m10, m100] = process.argv.slice(2);
const results = [...require(h).results, ...require(fresh).results, ...require(cold).results];
const mem = { bundled: mb, 1: m1, 10: m10, 100: m100 };
const os = require('os');
const ms = (s) => (s * 1000).toFixed(0);
const median = (r) => r.median;
const one = median(results.find((r) => r.command === '1'));
const baseline = median(results.find((r) => r.command === 'node -e 0'));
const rows = results.filter((r) => r.command !== 'node -e 0').map((r) => {
  const n = { bundled: 4, '1': 1, '10': 10, '100': 100, '100, fresh dist': 100 }[r.command] ?? 4;
  const perExtra = r.command === '10' || r.command === '100' ? ms((median(r) - one) / (n - 1)) : '';
  return `| ${r.command} | ${n} | ${ms(median(r))} | ${ms(r.min)}–${ms(r.max)} | ${(median(r) / baseline).toFixed(1)} | ${perExtra} | ${mem[r.command] ? (mem[r.command] / 1024).toFixed(0) : ''} |`;
});
console.log(`# Synthesis benchmark

Machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.
Method: \`bench/run.sh\` — hyperfine (${results[0].times.length} runs after a warm-up) of
\`node build/src/main.js\` (the synth step after \`tsc\`). Plain rows re-synthesize into an output folder
that is already up to date (the usual \`npm run synth\` and CI check); "fresh dist" rows delete it first so
every file is written; the "cold cache" row also deletes the compiled-validator cache (3 runs). Peak
memory is GNU time's maximum RSS of a fresh run.
Generated instances are copies of \`instances/ha.yaml\`. The machine is shared and noisy: \`node -e 0\`
alone took a median of ${ms(baseline)} ms in the same run; the "× node" column divides by it.

| set | instances | median ms | min–max ms | × node | ms per extra instance | peak RSS MiB |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`);
NODE
cat bench/results.md
