#!/usr/bin/env bash
# Writes the differential-test fixtures test/fixtures/differential/*/{acl.json,golden.json}:
# - random-<seed>: an ACL from scripts/random-acl.mjs and the original Wirenix's output for it
#   (via the oracle, ${SHARED:-../shared}/oracle/golden.sh, which needs nix-instantiate);
# - oracle-<name>: copies of the oracle's own ACLs and goldens.
#
#   scripts/make-goldens.sh            seeds 1..220 (FIRST=.. LAST=.. JOBS=.. to change)
# The oracle prints evaluation warnings (nixbld, "not supported for networkd") on stderr;
# they are dropped unless the oracle fails.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED:-../shared}
golden=$shared/oracle/golden.sh
out=test/fixtures/differential

if [ "${1:-}" = "--one" ]; then
  seed=$2
  dir=$out/random-$seed
  mkdir -p "$dir"
  node scripts/random-acl.mjs "$seed" > "$dir/acl.json"
  log=$(mktemp)
  if ! "$golden" "$dir/acl.json" > "$dir/golden.json.tmp" 2> "$log"; then
    echo "seed $seed: oracle failed:" >&2
    grep -v nixbld "$log" >&2 || true
    rm -f "$log" "$dir/golden.json.tmp"
    exit 1
  fi
  rm -f "$log"
  mv "$dir/golden.json.tmp" "$dir/golden.json"
  exit 0
fi

[ -x "$golden" ] || { echo "no oracle at $golden (set SHARED)" >&2; exit 1; }
mkdir -p "$out"

for acl in "$shared"/oracle/acls/*.json; do
  name=$(basename "$acl" .json)
  dir=$out/oracle-$name
  mkdir -p "$dir"
  cp "$acl" "$dir/acl.json"
  cp "$shared/oracle/golden/$name.json" "$dir/golden.json"
done

first=${FIRST:-1}
last=${LAST:-220}
jobs=${JOBS:-$(nproc)}
seq "$first" "$last" | xargs -P "$jobs" -n 1 "$0" --one
echo "wrote $out/oracle-* and $out/random-$first..$last"
