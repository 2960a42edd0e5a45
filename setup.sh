#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: the pinned emulators, Debian's chromium (the dashboard test's headless browser)
# and the NuGet packages (RocksDB comes with its package).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ ! -d "$root/tools/emulators/node_modules" || "$root/tools/emulators/package-lock.json" -nt "$root/tools/emulators/node_modules/.package-lock.json" ]]; then
  echo "== installing emulators (npm ci)"
  (cd "$root/tools/emulators" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The dashboard test drives Debian's chromium by its path (CHROMIUM_PATH overrides); nothing downloads a browser.
if [[ -z "${CHROMIUM_PATH:-}" ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (apt)"
    export DEBIAN_FRONTEND=noninteractive
    # Not fatal: without it only the dashboard test fails, and says why.
    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || echo "== chromium could not be installed; the dashboard test will fail" >&2
  else
    echo "== chromium is missing and this is not root: 'sudo apt-get install chromium' (or set CHROMIUM_PATH) for the dashboard test" >&2
  fi
fi

echo "== restoring NuGet packages"
dotnet restore "$root/Orleans.sln" -v quiet -nologo
