// Fixes of kinesalite 3.3.3 that tests depend on; serve.js applies them before kinesalite loads its actions.
// usage: require('./kinesalite-fixes').apply()  (before require('kinesalite'))
'use strict';
const crypto = require('crypto');

// An empty GetRecords must not move its iterator past a record that is not written yet.
//
// kinesalite orders a shard's records by a counter shared by each five shards (seqIx), then by the second they were
// put in (seqTime). After an empty read it hands out an iterator at the same seqIx but at the current second, to find
// a closed shard's end by time. PutRecords assigns the sequence numbers, then writes the records (asynchronously, the
// stream's lock held). A read that finds nothing in between, in a later second than the put's, therefore returns an
// iterator past the put's record that has the iterator's seqIx: nothing read through it ever returns that record,
// though a fresh TRIM_HORIZON iterator does. From a shard's start (seqIx 0) that is the stream's first record: the
// first record of shard 3 of a 4-shard stream, which a reader polling the empty shard when the first put lands skips
// for good (PartitionPlacementTests once lost user-000088's first event so, every exactly-once rule kept).
// Real Kinesis numbers records in the order they are written, so an iterator never passes an unwritten one.
//
// The fix: after an empty read of a shard that was open when the read began, the next iterator stays where it was.
// A record written later sorts at or after it whatever its second. A shard that was closed before the read began
// has every record written (the close takes the stream's lock after the puts before it), so its iterator moves on
// in time as before, which is how its end is found.
function keepEmptyReadsInPlace(from) {
  const getRecords = require.resolve('kinesalite/actions/getRecords', { paths: [from] });
  const db = require(require.resolve('kinesalite/db', { paths: [from] }));
  const original = require(getRecords);
  const fixed = function getRecords(store, data, cb) {
    const iterator = decode(db, data.ShardIterator);
    if (!iterator) return original(store, data, cb);
    store.getStream(iterator.streamName, (err, stream) => {
      const shard = !err && stream && stream.Shards.find(s => s.ShardId === iterator.shardId);
      const open = shard && shard.SequenceNumberRange.EndingSequenceNumber == null;
      original(store, data, (error, result) => {
        if (!error && open && result && result.Records.length === 0 && result.NextShardIterator) {
          result.NextShardIterator = db.createShardIterator(iterator.streamName, iterator.shardId, iterator.sequenceNumber);
        }
        cb(error, result);
      });
    });
  };
  require.cache[getRecords].exports = fixed;
}

/** The stream, shard and sequence number an iterator stands at; null when it is not one (getRecords says why). */
function decode(db, shardIterator) {
  try {
    const buffer = Buffer.from(shardIterator, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-cbc', db.ITERATOR_PWD_KEY, db.ITERATOR_PWD_IV);
    const pieces = Buffer.concat([decipher.update(buffer.slice(8)), decipher.final()]).toString('utf8').split('/');
    return pieces.length === 5 ? { streamName: pieces[1], shardId: pieces[2], sequenceNumber: pieces[3] } : null;
  } catch {
    return null;
  }
}

/** Applies every fix to the kinesalite that require('kinesalite') finds from the folder <from> (default: this one). */
exports.apply = function apply(from = __dirname) {
  keepEmptyReadsInPlace(from);
};
