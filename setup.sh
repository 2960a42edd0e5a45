#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: the pinned emulators and the NuGet packages (RocksDB comes with its package).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ ! -d "$root/tools/emulators/node_modules" || "$root/tools/emulators/package-lock.json" -nt "$root/tools/emulators/node_modules/.package-lock.json" ]]; then
  echo "== installing emulators (npm ci)"
  (cd "$root/tools/emulators" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== restoring NuGet packages"
dotnet restore "$root/Orleans.sln" -v quiet -nologo
