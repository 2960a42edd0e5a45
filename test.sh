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
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" \
    | grep -E '^\s*(Passed|Failed|Skipped) [A-Z]|^(Passed|Failed)!|error' || true
  summary=$(grep -E '(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$log" | tail -n 1)
  if [[ -z "$summary" ]]; then
    echo "   $name produced no test summary (crashed?); last lines:"; tail -n 20 "$log"
    failed=$((failed + 1))
    continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$summary")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f))
done

echo "$passed passed, $failed failed"
(( failed == 0 ))
