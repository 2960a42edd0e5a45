#!/usr/bin/env bash
# Runs every test project against real RocksDB and the local emulators (each test starts its own on free ports).
# Ends with one line: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

echo "== building"
if ! dotnet build "$root/Orleans.sln" -c Release -v quiet -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0
results=$(mktemp -d)
for project in "$root"/tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  log="$results/$name.log"
  started=$SECONDS
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" \
    | grep -E '^\s*(Failed|Skipped) [A-Z]|^(Passed|Failed)!' || true
  # The summary block of the console logger: "Total tests: N", "Passed: N", "Failed: N".
  if ! grep -qE '^Total tests: +[0-9]+' "$log"; then
    echo "   $name produced no test summary (crashed?); last lines:"; tail -n 20 "$log"
    failed=$((failed + 1))
    continue
  fi
  p=$(grep -E '^ +Passed: +[0-9]+$' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^ +Failed: +[0-9]+$' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  echo "   $name: $p passed, $f failed ($((SECONDS - started)) s)"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done

if (( failed > 0 )); then
  # CI keeps only the tail of the output, so the failures are repeated here, just above the total.
  echo "== failures"
  for log in "$results"/*.log; do
    awk '/^ +Failed [A-Za-z]/ {n = 25} /Standard Output Messages:/ {n = 0} n > 0 {print; n--}' "$log"
    grep -q -E '^Total tests: +[0-9]+' "$log" || { echo "$(basename "$log" .log): no test summary; last lines:"; tail -n 25 "$log"; }
  done
fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
