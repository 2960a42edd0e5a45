#!/usr/bin/env bash
# Idempotent set-up of a fresh machine: Debian's librocksdb (and db_bench), the pinned emulators, NuGet packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ ! -e /usr/lib/x86_64-linux-gnu/librocksdb.so.7.8 && ! -e /usr/lib/aarch64-linux-gnu/librocksdb.so.7.8 ]] || ! command -v db_bench >/dev/null; then
  echo "== installing librocksdb7.8 and rocksdb-tools"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq librocksdb7.8 rocksdb-tools >/dev/null
fi

if [[ ! -d "$root/tools/emulators/node_modules" || "$root/tools/emulators/package-lock.json" -nt "$root/tools/emulators/node_modules/.package-lock.json" ]]; then
  echo "== installing emulators (npm ci)"
  (cd "$root/tools/emulators" && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== restoring NuGet packages"
dotnet restore "$root/Orleans.sln" -v quiet -nologo
