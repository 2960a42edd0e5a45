#!/usr/bin/env bash
# Starts and stops the local emulators on 127.0.0.1, each on a free port, with pid files, logs and fresh
# data folders under one state folder. Tests and the demo use it; nothing here needs an AWS account.
#
#   emulators.sh start STATE_DIR [kinesalite] [kinesis-local] [dynalite] [s3rver]
#       (default: kinesalite dynalite s3rver) writes STATE_DIR/endpoints.env
#   emulators.sh stop STATE_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modules="$here/node_modules"

die() { echo "emulators: $*" >&2; exit 1; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_for_port() { # name port pid log
  local deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$3" 2>/dev/null; then
      echo "---- $4" >&2; tail -n 20 "$4" >&2 || true
      die "$1 exited during start-up (see $4)"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  die "$1 did not listen on 127.0.0.1:$2 within 60 s (see $4)"
}

start_one() { # state name
  local state=$1 name=$2 port pid log="$1/$2.log" data="$1/data/$2"
  rm -rf "$data"; mkdir -p "$data"
  port=$(free_port)
  case "$name" in
    kinesalite|dynalite)
      nohup node "$here/serve.js" "$name" "$port" "$data" >"$log" 2>&1 &
      pid=$! ;;
    kinesis-local)
      # kinesis-local reads server.json from its working folder; it has no bind-address setting.
      # KINESIS_LOCAL_PUSH_INTERVAL_MS: subscriptions pushed at that interval, not once a second (kinesis-local-push.js).
      local preload=()
      [[ -n "${KINESIS_LOCAL_PUSH_INTERVAL_MS:-}" ]] && preload=(--require "$here/kinesis-local-push.js")
      ( cd "$modules/kinesis-local" && KINESIS_MOCK_PLAIN_PORT=$port KINESIS_MOCK_TLS_PORT=$(free_port) \
        SHARD_LIMIT=200 LOG_LEVEL=WARN CREATE_STREAM_DURATION=100ms SPLIT_SHARD_DURATION=100ms \
        MERGE_SHARDS_DURATION=100ms UPDATE_SHARD_COUNT_DURATION=100ms DELETE_STREAM_DURATION=100ms \
        exec nohup node "${preload[@]}" main.js >"$log" 2>&1 ) &
      pid=$! ;;
    s3rver)
      # s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) only has in its legacy
      # provider: without it every truncated listing (more keys than max-keys) answers HTTP 500.
      local legacy=()
      node --openssl-legacy-provider -e 0 2>/dev/null && legacy=(--openssl-legacy-provider)
      nohup node "${legacy[@]}" "$modules/s3rver/bin/s3rver.js" -d "$data" -a 127.0.0.1 -p "$port" --silent >"$log" 2>&1 &
      pid=$! ;;
    *) die "unknown emulator '$name' (kinesalite, kinesis-local, dynalite, s3rver)" ;;
  esac
  echo "$pid" >"$state/$name.pid"
  echo "$port" >"$state/$name.port"
  wait_for_port "$name" "$port" "$pid" "$log"
  echo "$name 127.0.0.1:$port pid $pid"
}

env_name() {
  case "$1" in
    kinesalite) echo KINESIS_ENDPOINT ;;
    kinesis-local) echo KINESIS_LOCAL_ENDPOINT ;;
    dynalite) echo DYNAMODB_ENDPOINT ;;
    s3rver) echo S3_ENDPOINT ;;
  esac
}

cmd=${1:-}; state=${2:-}
[[ -n "$cmd" && -n "$state" ]] || die "usage: emulators.sh start|stop STATE_DIR [emulator ...]"
[[ -d "$modules" ]] || die "node modules missing: run 'npm ci' in $here (or ./setup.sh)"
shift 2
case "$cmd" in
  start)
    mkdir -p "$state"
    "$0" stop "$state" >/dev/null 2>&1 || true
    services=("$@"); (( ${#services[@]} )) || services=(kinesalite dynalite s3rver)
    : >"$state/endpoints.env"
    for s in "${services[@]}"; do
      start_one "$state" "$s"
      echo "$(env_name "$s")=http://127.0.0.1:$(cat "$state/$s.port")" >>"$state/endpoints.env"
    done ;;
  stop)
    shopt -s nullglob
    for pidfile in "$state"/*.pid; do
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    done ;;
  *) die "unknown command '$cmd'" ;;
esac
