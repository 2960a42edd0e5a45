// Starts one emulator bound to 127.0.0.1 (the packages' own CLIs listen on every interface).
// usage: node serve.js <kinesalite|dynalite> <port> [dataDir]
'use strict';
const [name, portText, dataDir] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port <= 0) {
  console.error(`invalid port '${portText}'`);
  process.exit(2);
}
const options = dataDir ? { path: dataDir } : {};
let server;
switch (name) {
  case 'kinesalite':
    // Before kinesalite loads its actions: fixes of the emulator's own bugs (kinesalite-fixes.js says which).
    require('./kinesalite-fixes').apply();
    server = require('kinesalite')({ ...options, shardLimit: 200, createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50 });
    break;
  case 'dynalite':
    server = require('dynalite')({ ...options, createTableMs: 50, deleteTableMs: 50, updateTableMs: 50 });
    break;
  default:
    console.error(`unknown emulator '${name}'`);
    process.exit(2);
}
server.listen(port, '127.0.0.1', err => {
  if (err) { console.error(err); process.exit(1); }
  console.log(`${name} listening on 127.0.0.1:${port}`);
});
