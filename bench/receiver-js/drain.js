// The yardstick of `dotnet run -c Release --project bench/Benchmarks -- receiver`: drains a stream with a plain
// GetRecords loop on the official AWS SDK for JavaScript v3, every shard at once, no sleeps.
//
//   node drain.js ENDPOINT STREAM EXPECTED_RECORDS   -> prints {"records": N, "seconds": S, "sdk": "x.y.z"}
'use strict';
const http = require('node:http');
const {
  KinesisClient,
  ListShardsCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
} = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const sdkVersion = require('@aws-sdk/client-kinesis/package.json').version;

process.removeAllListeners('warning'); // the SDK's Node-version notice is not a failure

async function main() {
  const [endpoint, streamName, expectedArg] = process.argv.slice(2);
  if (!endpoint || !streamName || !expectedArg) {
    console.error('usage: node drain.js ENDPOINT STREAM EXPECTED_RECORDS');
    process.exit(2);
  }
  const expected = Number(expectedArg);
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The Kinesis client defaults to HTTP/2 (for SubscribeToShard); kinesalite speaks HTTP/1.1, as does our client.
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50 }) }),
  });

  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const shards = [];
  let nextToken;
  do {
    const page = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    shards.push(...page.Shards);
    nextToken = page.NextToken;
  } while (nextToken);

  let total = 0;
  async function drainShard(shardId) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }));
    let iterator = ShardIterator;
    while (iterator && total < expected) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
      total += page.Records.length;
      iterator = page.NextShardIterator;
      // The stream is pre-filled: an empty page at the tip means this shard is drained.
      if (page.Records.length === 0 && !page.MillisBehindLatest) {
        break;
      }
    }
  }

  await Promise.all(shards.map((s) => drainShard(s.ShardId)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  console.log(JSON.stringify({ records: total, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, sdk: sdkVersion }));
  if (total < expected) {
    console.error(`read ${total} records, expected ${expected}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
