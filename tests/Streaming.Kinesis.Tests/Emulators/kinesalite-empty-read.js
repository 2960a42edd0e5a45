// Races an empty GetRecords with the first PutRecords of a stream in kinesalite, as tools/emulators/serve.js runs it
// (its fixes applied), and prints how many records a reader following its iterator got, and a fresh one.
// usage: node kinesalite-empty-read.js <tools/emulators folder>
//
// The race, made certain: PutRecords assigns its sequence numbers in second S, then writes the stream's row and its
// records asynchronously; a GetRecords starts in second S+1 between the two, so it finds nothing.
'use strict';
const path = require('path');
const emulators = process.argv[2];
require(path.join(emulators, 'kinesalite-fixes')).apply(emulators);
const kinesalite = p => require(require.resolve('kinesalite/' + p, { paths: [emulators] }));
const db = kinesalite('db');
const createStream = kinesalite('actions/createStream');
const putRecords = kinesalite('actions/putRecords');
const getShardIterator = kinesalite('actions/getShardIterator');
const getRecords = kinesalite('actions/getRecords');

const realNow = Date.now;
let clock = null;
Date.now = () => clock ?? realNow();
const store = db.create({ createStreamMs: 0 });
const call = (action, data) => new Promise((resolve, reject) => action(store, data, (e, r) => (e ? reject(e) : resolve(r))));

(async () => {
  await call(createStream, { StreamName: 's', ShardCount: 4 });
  while ((await new Promise((resolve, reject) => store.getStream('s', (e, s) => (e ? reject(e) : resolve(s))))).StreamStatus !== 'ACTIVE') {
    await new Promise(resolve => setTimeout(resolve, 10));
  }

  // user-000088 hashes to shard 3, whose first record takes the stream's first sequence index (seqIx 0).
  const shardId = 'shardId-000000000003';
  const start = (await call(getShardIterator, { StreamName: 's', ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })).ShardIterator;
  const second = Math.floor(realNow() / 1000) * 1000 + 5000;
  clock = second + 999;
  let empty;
  const writeRow = store.metaDb.put.bind(store.metaDb);
  store.metaDb.put = (key, value, cb) => {
    store.metaDb.put = writeRow;
    clock = second + 1000;
    call(getRecords, { ShardIterator: start }).then(read => { empty = read; writeRow(key, value, cb); }, cb);
  };
  const put = await call(putRecords, { StreamName: 's', Records: [{ PartitionKey: 'user-000088', Data: Buffer.from('first').toString('base64') }] });
  if (put.Records[0].ShardId !== shardId) throw new Error(`put to ${put.Records[0].ShardId}, not ${shardId}`);

  clock = second + 1200;
  const next = await call(getRecords, { ShardIterator: empty.NextShardIterator });
  const fresh = await call(getRecords, { ShardIterator: start });
  console.log(JSON.stringify({ empty: empty.Records.length, followed: next.Records.length, fresh: fresh.Records.length }));
})().catch(e => {
  console.error(e.stack || e);
  process.exit(1);
});
