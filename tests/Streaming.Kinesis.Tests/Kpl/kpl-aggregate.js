// Aggregates user records with aws-kinesis-agg, so the C# deaggregator is checked against bytes it did not write.
// Usage: node kpl-aggregate.js <folder holding node_modules/aws-kinesis-agg>  < groups.json
//   stdin:  [[{"partitionKey": "...", "explicitHashKey": "..." or null, "data": "<base64>"}, ...], ...]
//   stdout: [{"partitionKey": "...", "explicitHashKey": "..." or null, "data": "<base64 aggregate>"}, ...]
'use strict';
const path = require('path');
const agg = require(path.join(process.argv[2], 'aws-kinesis-agg'));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const groups = JSON.parse(input);
  const aggregates = groups.map(group => {
    const aggregator = new agg.RecordAggregator();
    for (const user of group) {
      const record = { partitionKey: user.partitionKey, data: Buffer.from(user.data, 'base64') };
      if (user.explicitHashKey !== null && user.explicitHashKey !== undefined) {
        record.explicitHashKey = user.explicitHashKey;
      }
      aggregator.addUserRecord(record);
    }
    const encoded = aggregator.build();
    return {
      partitionKey: encoded.partitionKey,
      // The library names this one key in UpperCamel.
      explicitHashKey: encoded.ExplicitHashKey === undefined ? null : encoded.ExplicitHashKey,
      data: encoded.data.toString('base64'),
    };
  });
  process.stdout.write(JSON.stringify(aggregates));
});
