#!/usr/bin/env bash
# The demo, end to end on local emulators: start them, create a 4-shard stream, produce 100,000 clickstream events
# over 10,000 users in two bursts an hour apart by their timestamps, run a silo until it has caught up, check every
# user's grain, sessions and every event type's per-minute counts against the ground truth, read the per-user
# summaries back from the Delta table the silo's sink wrote to s3rver (with DuckDB, not our writer), stop.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
records=${DEMO_RECORDS:-100000}
keys=${DEMO_KEYS:-10000}
shards=${DEMO_SHARDS:-4}

"$root/setup.sh"
work=$(mktemp -d -t kgrains-demo-XXXXXX)
silo_pid=""
cleanup() {
  status=$?
  if (( status != 0 )) && [[ -f "$work/silo.log" ]]; then echo "---- silo log (last 30 lines)"; tail -n 30 "$work/silo.log"; fi
  [[ -n "$silo_pid" ]] && kill "$silo_pid" 2>/dev/null && wait "$silo_pid" 2>/dev/null || true
  "$root/tools/emulators/emulators.sh" stop "$work/emulators" || true
}
trap cleanup EXIT

echo "== building"
dotnet build "$root/Orleans.sln" -c Release -v quiet -nologo -clp:ErrorsOnly
silo="$root/Silo/bin/Release/net10.0/KinesisGrains.Silo"
cli="$root/Client.Cli/bin/Release/net10.0/kgrains"
peek="$root/tools/DeltaPeek/bin/Release/net10.0/kgrains-delta-peek"

echo "== starting emulators (kinesalite, dynalite, s3rver) in $work"
"$root/tools/emulators/emulators.sh" start "$work/emulators" kinesalite dynalite s3rver
set -a; source "$work/emulators/endpoints.env"; set +a
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1
started=$(date +%s.%N)

echo "== creating stream 'clickstream' with $shards shards"
"$cli" create-stream --stream clickstream --shards "$shards"

# Two bursts of clicks, two hours and one hour ago by their timestamps: by event time a user's clicks of each burst
# make a session of their own, and the first burst's minutes are long over when the second is read.
first=$((records / 2))
echo "== producing $records events over $keys users: $first stamped two hours ago, $((records - first)) one hour ago"
"$cli" produce --stream clickstream --records "$first" --keys "$keys" --seed 1 --events-ago 2h --truth "$work/truth.json"
"$cli" produce --stream clickstream --records "$((records - first))" --keys "$keys" --seed 2 --events-ago 1h --truth "$work/truth.json" --append

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
export SILO_URL="http://127.0.0.1:$(free_port)" SILO_GATEWAY=$(free_port)
echo "== starting an Orleans silo: status on $SILO_URL, gateway on 127.0.0.1:$SILO_GATEWAY"
consume_started=$(date +%s.%N)
# Event time is the clicks' own timestamps. The producer's concurrent PutRecords (rejected entries retried) land a
# shard's clicks up to a couple of minutes out of timestamp order: the watermark trails the newest by 5 minutes.
"$silo" --Silo:HttpUrl="$SILO_URL" --Silo:GatewayPort="$SILO_GATEWAY" --Silo:SiloPort="$(free_port)" --Silo:DataDirectory="$work/silo" \
  --Kinesis:ServiceUrl="$KINESIS_ENDPOINT" --Kinesis:AccessKeyId=local --Kinesis:SecretAccessKey=local \
  --Kinesis:MinFetchPeriod=00:00:00.200 --Kinesis:CheckpointInterval=00:00:01 \
  --Kinesis:EventTime:Source=Event --Kinesis:EventTime:OutOfOrderness=00:05:00 \
  --DynamoDB:ServiceUrl="$DYNAMODB_ENDPOINT" --DynamoDB:AccessKeyId=local --DynamoDB:SecretAccessKey=local \
  --Snapshots:Bucket=kgrains-demo --Snapshots:ServiceUrl="$S3_ENDPOINT" --Snapshots:AccessKeyId=S3RVER --Snapshots:SecretAccessKey=S3RVER \
  --Snapshots:CreateBucketIfMissing=true \
  --Sinks:summaries:Type=Delta --Sinks:summaries:StateName=user-activity --Sinks:summaries:Output=Changelog \
  --Sinks:summaries:Mode=Merge --Sinks:summaries:Path=tables/user-summaries --Sinks:summaries:LogStore=DynamoDB \
  --Logging:LogLevel:Default=Warning >"$work/silo.log" 2>&1 &
silo_pid=$!

"$cli" status --wait-caught-up --min-records "$records" --timeout 150
consumed=$(date +%s.%N)

echo "== verifying every user's state, its sessions and every event type's minutes against the ground truth, through the Orleans client"
"$cli" verify --truth "$work/truth.json" --windows
user=$(node -e "const t=require('$work/truth.json');console.log(Object.keys(t.users)[0])")
echo "== one user, as an Orleans client sees it: its activity and its sessions by event time"
"$cli" query "$user"
"$cli" query sessions "$user"
echo "== clicks of type 'view' per minute of event time, the newest 8 minutes"
"$cli" query per-minute --last 8 view

echo "== the per-user summaries in the Delta table s3://kgrains-demo/tables/user-summaries, read back with DuckDB"
# The sink merges each epoch's changed users into the table (one row per user) with the epoch's checkpoint: wait
# until it holds every user's final count, then print three of them.
expected=$(node -e "const u=require('$work/truth.json').users;console.log(Object.keys(u).length+' '+Object.values(u).reduce((n,x)=>n+x.eventCount,0))")
for attempt in $(seq 1 30); do
  found=$(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$peek" --endpoint "$S3_ENDPOINT" --bucket kgrains-demo --path tables/user-summaries \
    --sql "SELECT count(*) || ' ' || sum(eventCount) FROM t" 2>/dev/null | tail -n 1 || echo none)
  [[ "$found" == "$expected" ]] && break
  sleep 1
done
[[ "$found" == "$expected" ]] || { echo "the Delta table holds $found (users, events), expected $expected"; exit 1; }
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$peek" --endpoint "$S3_ENDPOINT" --bucket kgrains-demo --path tables/user-summaries \
  --sql "SELECT key, eventCount, totalBytes, lastSeen FROM t ORDER BY key LIMIT 3"

finished=$(date +%s.%N)
awk -v s="$started" -v c="$consume_started" -v d="$consumed" -v f="$finished" -v n="$records" 'BEGIN {
  printf "== demo done: %.1f s wall time (after build); silo consumed %d records in %.1f s (%.0f records/s)\n", f - s, n, d - c, n / (d - c) }'
