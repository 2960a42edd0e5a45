// Preloaded into kinesis-local (node --require) when KINESIS_LOCAL_PUSH_INTERVAL_MS is set: a SubscribeToShard
// subscription then gets its shard's new records every that many milliseconds, instead of once a second.
//
// kinesis-local 0.6.2 (kinesis-mock, compiled by Scala.js) builds each subscription as an fs2 stream that wakes at a
// fixed rate of one second and pushes what the shard gained since. AWS pushes records as they arrive (its docs say
// about 70 ms from put to a consumer), so with the emulator's second no reader can show less than the emulator's own
// delay. Only the visibility benchmark sets the interval; tests keep the emulator as it is.
'use strict';
const Module = require('module');
const path = require('path');

const interval = Number(process.env.KINESIS_LOCAL_PUSH_INTERVAL_MS);
if (!Number.isInteger(interval) || interval <= 0) {
  throw new Error(`KINESIS_LOCAL_PUSH_INTERVAL_MS must be a positive whole number of milliseconds (was '${process.env.KINESIS_LOCAL_PUSH_INTERVAL_MS}')`);
}

// The subscription's fixed rate: DurationInt(1) in SECONDS (TimeUnit field nz); MILLISECONDS is field Ir.
const everySecond = `((idxRef) => {
    var $x_2 = $m_Lfs2_Stream$();
    var this$9 = new $c_s_concurrent_duration_package$DurationInt(1);
    var unit = $m_ju_concurrent_TimeUnit$().nz;`;
const everyInterval = `((idxRef) => {
    var $x_2 = $m_Lfs2_Stream$();
    var this$9 = new $c_s_concurrent_duration_package$DurationInt(${interval});
    var unit = $m_ju_concurrent_TimeUnit$().Ir;`;

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  if (filename.endsWith(path.join('kinesis-local', 'main.js'))) {
    const at = content.indexOf(everySecond);
    if (at < 0 || content.indexOf(everySecond, at + 1) >= 0) {
      throw new Error('kinesis-local-push.js: the subscription rate is not where kinesis-local 0.6.2 has it (another version?)');
    }
    content = content.replace(everySecond, everyInterval);
  }
  return compile.call(this, content, filename);
};
