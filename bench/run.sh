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

synth() { echo "node build/src/main.js --quiet --instances $1 --out $work/out"; }
hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/h.json" \
  -n bundled "$(synth instances)" \
  -n 1 "$(synth "$work/in-1")" \
  -n 10 "$(synth "$work/in-10")" \
  -n 100 "$(synth "$work/in-100")" >/dev/null
hyperfine --runs 3 --export-json "$work/cold.json" \
  --prepare 'rm -rf node_modules/.cache/mastodon-cdk8s' -n 'bundled, cold cache' "$(synth instances)" >/dev/null
node build/src/main.js --out "$work/warm" --quiet 2>/dev/null

peak() { /usr/bin/time -f '%M' node build/src/main.js --quiet --instances "$1" --out "$work/out" 2>&1 >/dev/null | tail -1; }
declare -A mem
mem[bundled]=$(peak instances); mem[1]=$(peak "$work/in-1"); mem[10]=$(peak "$work/in-10"); mem[100]=$(peak "$work/in-100")

node - "$work/h.json" "$work/cold.json" "${mem[bundled]}" "${mem[1]}" "${mem[10]}" "${mem[100]}" <<'NODE' > bench/results.md
const [h, cold, mb, m1, m10, m100] = process.argv.slice(2);
const results = [...require(h).results, ...require(cold).results];
const mem = { bundled: mb, 1: m1, 10: m10, 100: m100 };
const os = require('os');
const ms = (s) => (s * 1000).toFixed(0);
const median = (r) => r.median;
const one = median(results.find((r) => r.command === '1'));
const rows = results.map((r) => {
  const n = { bundled: 4, '1': 1, '10': 10, '100': 100 }[r.command] ?? 4;
  const perExtra = r.command === '10' || r.command === '100' ? ms((median(r) - one) / (n - 1)) : '';
  return `| ${r.command} | ${n} | ${ms(median(r))} | ${ms(r.min)}–${ms(r.max)} | ${perExtra} | ${mem[r.command] ? (mem[r.command] / 1024).toFixed(0) : ''} |`;
});
console.log(`# Synthesis benchmark

Machine: ${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.
Method: \`bench/run.sh\` — hyperfine (${results[0].times.length} runs after a warm-up) of
\`node build/src/main.js\` writing to a temporary folder; the compiled validator cache is warm except in
the "cold cache" row (3 runs, cache deleted before each). Peak memory is GNU time's maximum RSS.
Generated instances are copies of \`instances/ha.yaml\`.

| set | instances | median ms | min–max ms | ms per extra instance | peak RSS MiB |
|---|---|---|---|---|---|
${rows.join('\n')}
`);
NODE
cat bench/results.md
