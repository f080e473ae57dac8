#!/usr/bin/env bash
# The repository's tests in a copy without the four reference instances (a fork that keeps only its own
# instances, or none): they must pass there too. Run by .ci/run after the tests of the checkout itself.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
git -C "$root" ls-files -z --cached --others --exclude-standard | (cd "$root" && xargs -0 cp --parents -t "$copy" 2>/dev/null || true)
rm -rf "$copy/instances" "$copy/dist"
ln -s "$root/node_modules" "$copy/node_modules"
[ -d "$root/.cluster" ] && ln -s "$root/.cluster" "$copy/.cluster"
cd "$copy"
node scripts/build.mjs
npx vitest run --reporter=dot
