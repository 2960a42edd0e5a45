// The streaming page: polls the silo every second and draws its shards, rates, lag, state and checkpoints.
// Data flows source -> model -> view: readModel() turns what the silo serves into one plain model, and the view
// knows only the model. Today the source is /status; a progress source (/progress/last) can fill the same model
// in readModel() without touching the view.
'use strict';

const POLL_MS = 1000;
const HISTORY_SECONDS = 120;
const STATUS_URL = new URL('../../status', location.href);
const COLORS = ['#4fb3ff', '#f0883e', '#3fb950', '#d2a8ff', '#f85149', '#e3b341', '#56d4dd', '#ff7b72'];

// ---------------------------------------------------------------- source -> model

async function readModel() {
  const response = await fetch(STATUS_URL, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`/status answered ${response.status}`);
  }

  return fromStatus(await response.json());
}

/** The page's model from a /status document. */
function fromStatus(s) {
  return {
    time: Date.parse(s.serverTime),
    silo: s.siloId,
    application: s.applicationName,
    stream: s.streamName,
    ready: s.ready,
    readyReason: s.readyReason,
    caughtUp: s.caughtUp,
    totals: {
      records: s.recordsRead,
      recordsPerSecond: s.recordsPerSecond,
      deadLetters: s.deadLetters,
      throttles: s.throttles,
      checkpointAgeMs: s.checkpointAgeMs,
    },
    shards: s.shards.map(x => ({
      id: x.shardId,
      state: x.stateName,
      leaseHeld: x.leaseHeld,
      records: x.recordsRead,
      recordsPerSecond: x.recordsPerSecond,
      lagMs: x.millisBehindLatest,
      checkpointAgeMs: x.checkpointAgeMs,
      deadLettered: x.deadLettered,
      throttles: x.throttles,
      error: x.lastError,
      watermark: x.watermark ?? null,
      idle: x.idle ?? false,
    })),
    partitions: s.partitionStates.map(p => ({
      id: p.partitionId,
      state: p.state,
      partition: p.partition,
      keys: p.estimatedKeys,
      bytes: p.bytes,
      snapshotId: p.lastSnapshotId,
      snapshotAgeMs: p.snapshotAgeMs,
      persistedAgeMs: p.persistedAgeMs,
      watermark: p.watermark ?? null,
    })),
    sinks: (s.sinks ?? []).map(k => ({
      name: k.name,
      description: k.description,
      rows: k.numOutputRows,
      lagEpochs: k.epochsBehind,
      version: k.lastCommittedVersion,
      commitMs: k.commitDurationMs,
      lastCommitAt: k.lastCommitAt ? Date.parse(k.lastCommitAt) : null,
    })),
  };
}

// ---------------------------------------------------------------- history for the charts

const history = [];   // { time, total, rates: {shard: records/s}, lags: {shard: ms} }
const recent = [];    // the last few models: a chart rate spans RATE_POLLS polls
const RATE_POLLS = 3;

function remember(model) {
  if (recent.length > 0 && model.time <= recent[recent.length - 1].time) {
    return;
  }

  recent.push(model);
  if (recent.length > RATE_POLLS + 1) {
    recent.shift();
  }

  // Records read over the last few polls: counts move in delivery-sized steps, so one poll alone is jumpy.
  const rates = {};
  let total = null;
  const from = recent[0];
  if (from !== model) {
    const seconds = (model.time - from.time) / 1000;
    const before = new Map(from.shards.map(x => [x.id, x.records]));
    total = Math.max(0, model.totals.records - from.totals.records) / seconds;
    for (const shard of model.shards) {
      rates[shard.id] = Math.max(0, shard.records - (before.get(shard.id) ?? shard.records)) / seconds;
    }
  }

  const lags = {};
  for (const shard of model.shards) {
    if (shard.leaseHeld && shard.lagMs !== null && shard.lagMs !== undefined) {
      lags[shard.id] = shard.lagMs;
    }
  }

  history.push({ time: model.time, total, rates, lags });
  while (history.length > 0 && history[0].time < model.time - HISTORY_SECONDS * 1000) {
    history.shift();
  }
}

// ---------------------------------------------------------------- formatting

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function count(value) {
  return value === null || value === undefined ? '–' : integer.format(value);
}

function rate(value) {
  return value === null || value === undefined ? '–' : (value >= 100 ? integer.format(value) : decimal.format(value));
}

function duration(ms) {
  if (ms === null || ms === undefined) {
    return '–';
  }

  if (ms < 1000) {
    return `${integer.format(ms)} ms`;
  }

  const seconds = ms / 1000;
  if (seconds < 60) {
    return `${decimal.format(seconds)} s`;
  }

  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.floor(seconds % 60)} s` : `${decimal.format(minutes / 60)} h`;
}

function bytes(value) {
  if (value === null || value === undefined) {
    return '–';
  }

  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }

  return `${unit === 0 ? integer.format(value) : decimal.format(value)} ${units[unit]}`;
}

/** An event time (ISO-8601) as UTC to the millisecond: event times may be far from now, so never an age. */
function eventTime(iso) {
  if (!iso) {
    return '–';
  }

  return new Date(Date.parse(iso)).toISOString().replace('T', ' ').replace('Z', '');
}

// ---------------------------------------------------------------- view

/** Sets a metric's text and its raw value (data-value, which tests and scripts read). */
function setMetric(name, value, text) {
  for (const element of document.querySelectorAll(`[data-metric="${name}"]`)) {
    element.dataset.value = value === null || value === undefined ? '' : String(value);
    element.textContent = text;
  }
}

function cell(row, text, { field, value, className } = {}) {
  const td = document.createElement('td');
  td.textContent = text;
  if (field) {
    td.dataset.field = field;
    td.dataset.value = value === null || value === undefined ? '' : String(value);
  }

  if (className) {
    td.className = className;
  }

  row.appendChild(td);
  return td;
}

function barCell(row, fraction, className) {
  const td = document.createElement('td');
  const bar = document.createElement('div');
  bar.className = className;
  bar.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  td.appendChild(bar);
  row.appendChild(td);
}

function emptyRow(body, columns, text) {
  const row = body.insertRow();
  const td = cell(row, text, { className: 'empty' });
  td.colSpan = columns;
}

function colorOf(shardId, shards) {
  const index = shards.findIndex(s => s.id === shardId);
  return COLORS[(index < 0 ? 0 : index) % COLORS.length];
}

function renderShards(model) {
  const body = document.querySelector('#shards tbody');
  body.replaceChildren();
  if (model.shards.length === 0) {
    emptyRow(body, 12, 'No shard yet: the silo has not read the shard list or holds no lease.');
    return;
  }

  const maxLag = Math.max(1, ...model.shards.map(s => s.lagMs ?? 0));
  for (const shard of model.shards) {
    const row = body.insertRow();
    row.dataset.shard = shard.id;
    const name = cell(row, '');
    const swatch = document.createElement('i');
    swatch.style.cssText = `display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:6px;background:${colorOf(shard.id, model.shards)}`;
    name.append(swatch, shard.id);
    cell(row, shard.state, { field: 'state', value: shard.state, className: `state-${shard.state}` });
    cell(row, shard.leaseHeld ? 'held' : '–', { field: 'lease', value: shard.leaseHeld });
    cell(row, count(shard.records), { field: 'records', value: shard.records, className: 'num' });
    cell(row, rate(shard.recordsPerSecond), { field: 'records-per-second', value: shard.recordsPerSecond, className: 'num' });
    cell(row, duration(shard.lagMs), { field: 'lag-ms', value: shard.lagMs, className: 'num' });
    barCell(row, (shard.lagMs ?? 0) / maxLag, 'bar lag');
    cell(row, duration(shard.checkpointAgeMs), { field: 'checkpoint-age-ms', value: shard.checkpointAgeMs, className: 'num' });
    cell(row, count(shard.deadLettered), { field: 'dead-lettered', value: shard.deadLettered, className: 'num' });
    cell(row, count(shard.throttles), { field: 'throttles', value: shard.throttles, className: 'num' });
    const watermark = cell(row, eventTime(shard.watermark) + (shard.idle ? ' · idle' : ''), { field: 'watermark', value: shard.watermark, className: shard.idle ? 'num idle' : 'num' });
    watermark.dataset.idle = String(shard.idle);
    watermark.title = shard.idle ? 'idle: no event for the idle timeout, left out of the partitions\' watermarks' : 'latest event time read minus the out-of-orderness';
    const error = cell(row, shard.error ?? '', { className: 'error-cell' });
    error.title = shard.error ?? '';
  }
}

function renderPartitions(model) {
  const body = document.querySelector('#partitions tbody');
  body.replaceChildren();
  if (model.partitions.length === 0) {
    emptyRow(body, 9, 'No state partition is active on this silo yet.');
    return;
  }

  const maxBytes = Math.max(1, ...model.partitions.map(p => p.bytes));
  for (const partition of model.partitions) {
    const row = body.insertRow();
    row.dataset.partition = partition.id;
    cell(row, `p-${String(partition.partition).padStart(5, '0')}`);
    cell(row, partition.state);
    cell(row, count(partition.keys), { field: 'keys', value: partition.keys, className: 'num' });
    cell(row, bytes(partition.bytes), { field: 'bytes', value: partition.bytes, className: 'num' });
    barCell(row, partition.bytes / maxBytes, 'bar');
    cell(row, partition.snapshotId > 0 ? `#${partition.snapshotId}` : '–', { field: 'snapshot-id', value: partition.snapshotId, className: 'num' });
    cell(row, duration(partition.snapshotAgeMs), { field: 'snapshot-age-ms', value: partition.snapshotAgeMs, className: 'num' });
    cell(row, duration(partition.persistedAgeMs), { field: 'persisted-age-ms', value: partition.persistedAgeMs, className: 'num' });
    cell(row, eventTime(partition.watermark), { field: 'watermark', value: partition.watermark, className: 'num' });
  }
}

function renderSinks(model) {
  const body = document.querySelector('#sinks tbody');
  body.replaceChildren();
  if (model.sinks.length === 0) {
    emptyRow(body, 7, 'No sink is configured, or no progress record was made yet.');
    return;
  }

  for (const sink of model.sinks) {
    const row = body.insertRow();
    row.dataset.sink = sink.name;
    cell(row, sink.name);
    cell(row, sink.description);
    cell(row, count(sink.rows), { field: 'rows', value: sink.rows, className: 'num' });
    cell(row, count(sink.lagEpochs), { field: 'lag-epochs', value: sink.lagEpochs, className: 'num' });
    cell(row, sink.version ?? '–', { field: 'version', value: sink.version ?? '', className: 'num' });
    cell(row, duration(sink.commitMs), { field: 'commit-ms', value: sink.commitMs, className: 'num' });
    const age = sink.lastCommitAt === null ? null : Math.max(0, model.time - sink.lastCommitAt);
    cell(row, duration(age), { field: 'last-commit-age-ms', value: age ?? '', className: 'num' });
  }
}

// ---------------------------------------------------------------- charts (inline SVG)

const SVG = 'http://www.w3.org/2000/svg';
const CHART = { width: 640, height: 220, left: 52, right: 8, top: 8, bottom: 22 };

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, value);
  }

  return element;
}

/** A nice upper bound for an axis: 1, 2 or 5 times a power of ten, at least the largest value. */
function niceMax(value) {
  if (!(value > 0)) {
    return 1;
  }

  const power = Math.pow(10, Math.floor(Math.log10(value)));
  return [1, 2, 5, 10].map(m => m * power).find(m => m >= value);
}

/**
 * Draws lines of [time, value] points ending at now, over the history kept so far (30 s at least, HISTORY_SECONDS at
 * most); the value axis starts at 0 and reaches at least minMax.
 */
function drawChart(svg, series, now, format, minMax) {
  svg.replaceChildren();
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const oldest = history.length > 0 ? history[0].time : now;
  const span = [30, 60, HISTORY_SECONDS].find(seconds => now - oldest <= seconds * 1000 || seconds === HISTORY_SECONDS) * 1000;
  const start = now - span;
  const max = niceMax(Math.max(minMax, ...series.flatMap(s => s.points.map(p => p[1]))));
  const x = t => CHART.left + ((t - start) / span) * plotWidth;
  const y = v => CHART.top + plotHeight - (v / max) * plotHeight;

  for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
    const value = max * fraction;
    svg.appendChild(svgElement('line', { x1: CHART.left, x2: CHART.width - CHART.right, y1: y(value), y2: y(value), class: 'grid-line' }));
    const label = svgElement('text', { x: CHART.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis-label' });
    label.textContent = format(value);
    svg.appendChild(label);
  }

  for (let step = 0; step <= 3; step++) {
    const seconds = Math.round((span / 1000) * (1 - step / 3));
    const label = svgElement('text', { x: x(now - seconds * 1000), y: CHART.height - 6, 'text-anchor': seconds === 0 ? 'end' : 'middle', class: 'axis-label' });
    label.textContent = seconds === 0 ? 'now' : `-${seconds}s`;
    svg.appendChild(label);
  }

  for (const s of series) {
    if (s.points.length === 0) {
      continue;
    }

    const points = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const line = svgElement('polyline', { points, fill: 'none', stroke: s.color, 'stroke-width': s.width ?? 1.5, 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke' });
    line.dataset.series = s.name;
    line.dataset.points = String(s.points.length);
    svg.appendChild(line);
  }
}

function legend(element, series) {
  element.replaceChildren();
  for (const s of series) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = s.color;
    item.append(swatch, s.name);
    element.appendChild(item);
  }
}

function renderCharts(model) {
  const shardIds = model.shards.filter(s => s.leaseHeld).map(s => s.id);
  const withRate = history.filter(h => h.total !== null);
  const rateSeries = [
    { name: 'total', color: '#e6edf3', width: 2.5, points: withRate.map(h => [h.time, h.total]) },
    ...(shardIds.length > 1
      ? shardIds.map(id => ({ name: id, color: colorOf(id, model.shards), points: withRate.filter(h => id in h.rates).map(h => [h.time, h.rates[id]]) }))
      : []),
  ];
  drawChart(document.getElementById('rate-chart'), rateSeries, model.time, v => rate(v), 10);
  legend(document.getElementById('rate-legend'), rateSeries);

  const lagSeries = shardIds.map(id => ({ name: id, color: colorOf(id, model.shards), points: history.filter(h => id in h.lags).map(h => [h.time, h.lags[id]]) }));
  drawChart(document.getElementById('lag-chart'), lagSeries, model.time, v => duration(v), 1000);
  legend(document.getElementById('lag-legend'), lagSeries);
}

function render(model) {
  document.getElementById('stream').textContent = model.stream;
  document.getElementById('application').textContent = model.application;
  document.getElementById('silo').textContent = model.silo;
  document.title = `${model.stream} · streaming · kinesis-grains`;

  const ready = document.getElementById('ready');
  ready.textContent = model.ready ? (model.caughtUp ? 'ready · caught up' : 'ready') : 'not ready';
  ready.className = `badge ${model.ready ? 'ready' : 'unready'}`;
  ready.dataset.value = String(model.ready);
  ready.title = model.readyReason;

  const held = model.shards.filter(s => s.leaseHeld);
  const lags = held.map(s => s.lagMs).filter(v => v !== null && v !== undefined);
  const maxLag = lags.length > 0 ? Math.max(...lags) : null;
  const keys = model.partitions.reduce((sum, p) => sum + p.keys, 0);
  const stateBytes = model.partitions.reduce((sum, p) => sum + p.bytes, 0);
  setMetric('records-total', model.totals.records, count(model.totals.records));
  setMetric('records-per-second', model.totals.recordsPerSecond, rate(model.totals.recordsPerSecond));
  setMetric('max-lag-ms', maxLag, duration(maxLag));
  setMetric('checkpoint-age-ms', model.totals.checkpointAgeMs, duration(model.totals.checkpointAgeMs));
  setMetric('state-keys', keys, count(keys));
  setMetric('state-bytes', stateBytes, bytes(stateBytes));
  setMetric('partitions-active', model.partitions.length, count(model.partitions.length));
  setMetric('dead-letters', model.totals.deadLetters, count(model.totals.deadLetters));
  setMetric('throttles', model.totals.throttles, count(model.totals.throttles));
  setMetric('server-time', model.time, new Date(model.time).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));

  renderShards(model);
  renderPartitions(model);
  renderSinks(model);
  renderCharts(model);
}

// ---------------------------------------------------------------- loop

async function poll() {
  const error = document.getElementById('error');
  try {
    const model = await readModel();
    remember(model);
    render(model);
    error.hidden = true;
    document.body.dataset.polls = String(Number(document.body.dataset.polls) + 1);
  } catch (e) {
    error.textContent = `The silo did not answer: ${e.message}. Showing the last figures; retrying every second.`;
    error.hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
