#!/usr/bin/env bash
# Runs every test project against real RocksDB and the local emulators (each test starts its own on free ports).
# Ends with one line: "N passed, N failed".
#
# Projects run TEST_LANES at a time (default 2), the longest first: most tests wait on emulators, leases and silo
# processes rather than compute (Cluster and Cli side by side took 135 s, one after the other 234 s). MultiProcess runs
# alone: its silo processes keep both cores busy, and beside EndToEnd both took 1.6 times as long, its live hand-overs
# outlasting their wait. TEST_LANES=1 runs every project one by one.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lanes=${TEST_LANES:-2}
"$root/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }

echo "== building"
if ! dotnet build "$root/Orleans.sln" -c Release -v quiet -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

# Longest first (their usual minutes on 2 cores), so the short ones fill the lanes at the end; a new project runs last.
longest_first=(MultiProcess EndToEnd Cli Cluster Streaming.Kinesis Simulation Sinks Packaging KeyedState DynamoDB Silo Grains Abstractions)
projects=()
for name in "${longest_first[@]}"; do
  [[ -f "$root/tests/$name.Tests/$name.Tests.csproj" ]] && projects+=("$root/tests/$name.Tests/$name.Tests.csproj")
done
for project in "$root"/tests/*.Tests/*.Tests.csproj; do
  [[ " ${projects[*]} " == *" $project "* ]] || projects+=("$project")
done

results=$(mktemp -d)

# One project: its console log, then a summary line "name passed failed seconds" (or "name crashed" without one).
run_project() {
  local project=$1 name log started p f
  name=$(basename "$project" .csproj)
  log="$results/$name.log"
  started=$SECONDS
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=normal" >"$log" 2>&1
  # The summary block of the console logger: "Total tests: N", "Passed: N", "Failed: N".
  if ! grep -qE '^Total tests: +[0-9]+' "$log"; then
    echo "$name crashed $((SECONDS - started))" >"$results/$name.summary"
    return
  fi
  p=$(grep -E '^ +Passed: +[0-9]+$' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  f=$(grep -E '^ +Failed: +[0-9]+$' "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
  echo "$name ${p:-0} ${f:-0} $((SECONDS - started))" >"$results/$name.summary"
}

# What a finished project printed: its failed and skipped tests, and its totals.
report() {
  local name=$1 summary
  read -r -a summary <"$results/$name.summary"
  echo "== $name"
  grep -E '^\s*(Failed|Skipped) [A-Z]|^(Passed|Failed)!' "$results/$name.log" || true
  if [[ ${summary[1]} == crashed ]]; then
    echo "   $name produced no test summary (crashed?) after ${summary[2]} s; last lines:"; tail -n 20 "$results/$name.log"
  else
    echo "   $name: ${summary[1]} passed, ${summary[2]} failed (${summary[3]} s)"
  fi
}

reported=()
report_finished() {
  local summary name
  for summary in "$results"/*.summary; do
    [[ -e "$summary" ]] || continue
    name=$(basename "$summary" .summary)
    [[ " ${reported[*]} " == *" $name "* ]] && continue
    report "$name"; reported+=("$name")
  done
}

alone=(MultiProcess.Tests)
started=$SECONDS
for project in "${projects[@]}"; do
  if [[ " ${alone[*]} " == *" $(basename "$project" .csproj) "* ]]; then
    wait; report_finished
    run_project "$project"; report_finished
    continue
  fi
  while (( $(jobs -rp | wc -l) >= lanes )); do
    wait -n
    report_finished
  done
  run_project "$project" &
done
wait
report_finished

passed=0; failed=0
for summary in "$results"/*.summary; do
  read -r -a fields <"$summary"
  if [[ ${fields[1]} == crashed ]]; then
    failed=$((failed + 1))
  else
    passed=$((passed + fields[1])); failed=$((failed + fields[2]))
  fi
done
echo "== $((${#projects[@]})) projects in $((SECONDS - started)) s, $lanes at a time; their logs in $results"

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
