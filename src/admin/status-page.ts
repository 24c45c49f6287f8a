/**
 * The status page served at `GET /` on the admin port: one self-contained HTML
 * document (inline CSS and script, no external assets, no framework) that polls
 * `stats.json` and draws its charts on <canvas> itself.
 *
 * Every number on the page is either a `stats` field shown under its own name
 * (elements carry `data-family` = general | slabs | items | shard | hotkeys and
 * `data-stat` = the field as `stats` prints it; shard cells add `data-shard`),
 * or a value derived from such fields (`data-derived`, with `data-from` naming
 * the fields). Tests read those attributes; people read the labels.
 *
 * The HTML lives in this module (not an asset file) because the build copies
 * only what tsc emits. Imports nothing.
 */

/** Content-Security-Policy for the page: the browser itself refuses anything not inline or not from this origin. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = String.raw`
:root { --fg:#0f172a; --muted:#64748b; --line:#e2e8f0; --card:#fff; --bg:#f1f5f9;
  --get:#2563eb; --set:#16a34a; --hit:#9333ea; --evict:#dc2626; --conn:#0891b2; --limit:#94a3b8; --alloc:#cbd5e1; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; flex-wrap:wrap; gap:6px 20px; align-items:baseline; padding:12px 20px; background:#0f172a; color:#e2e8f0; }
header h1 { margin:0; font-size:18px; color:#fff; }
header .raw { color:#94a3b8; }
header .raw b { color:#fff; }
header .poll-error { color:#fca5a5; }
main { padding:16px 20px 32px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); gap:12px; margin-bottom:16px; }
.tile, .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.tile h2, .card h2 { margin:0 0 4px; font-size:12px; font-weight:600; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.tile .big { font-size:24px; font-weight:600; font-variant-numeric:tabular-nums; }
.raw { font:12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color:var(--muted); }
.raw b { color:var(--fg); font-weight:500; }
.charts { display:grid; grid-template-columns:repeat(auto-fill, minmax(420px, 1fr)); gap:12px; margin-bottom:16px; }
.card canvas { display:block; width:100%; height:180px; }
.legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:12px; color:var(--muted); margin-bottom:4px; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
.tables { display:grid; grid-template-columns:repeat(auto-fill, minmax(420px, 1fr)); gap:12px; }
.tables .wide { grid-column:1 / -1; }
table { width:100%; border-collapse:collapse; font-size:13px; }
th, td { text-align:right; padding:3px 6px; border-bottom:1px solid var(--line); font-variant-numeric:tabular-nums; }
th { font:11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color:var(--muted); font-weight:500; }
th:first-child, td:first-child { text-align:left; }
th.key { text-align:left; }
td.key { text-align:left; font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; max-width:260px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap; }
.empty { color:var(--muted); font-style:italic; }
`;

/*
 * Plain ES2017 in the page (no template literals, so this file's own template
 * string needs no escapes). The script keeps the last HISTORY polls, turns
 * counter deltas between consecutive polls into rates (by the daemon's
 * sampled_at_ms clock), and redraws everything after each poll.
 */
const SCRIPT = String.raw`
(function () {
'use strict';
var HISTORY = 120;
var params = new URLSearchParams(location.search);
var intervalMs = Math.max(100, Number(params.get('interval')) || 1000);
var samples = [];           // { t: ms, doc: stats.json document or null }, oldest first
var polls = 0;

function num(family, name) {
  var v = family ? family[name] : undefined;
  var n = Number(v);
  return v === undefined || v === '' || !isFinite(n) ? null : n;
}
function raw(value) { return value === undefined || value === null ? '\u2014' : String(value); }
function fmtRate(n) {
  if (n === null) return '\u2014';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
function fmtBytes(n) {
  if (n === null) return '\u2014';
  var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  var i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
}
/** Axis for byte values: a 1-2-5 ceiling in the largest binary unit the top value reaches. */
function byteAxis(top) {
  var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0, scale = 1;
  while (top >= scale * 1024 && i < units.length - 1) { scale *= 1024; i++; }
  return {
    top: niceCeiling(top / scale) * scale,
    format: function (n) { return String(Math.round(n / scale * 100) / 100) + ' ' + units[i]; },
  };
}
function fmtAxis(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(n % 1e3 === 0 ? 0 : 1) + 'k';
  return String(Math.round(n * 100) / 100);
}
/** Smallest 1, 2 or 5 times a power of ten at or above n. */
function niceCeiling(n) {
  if (!(n > 0)) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(n)));
  var steps = [1, 2, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * p >= n) return steps[i] * p;
  return 10 * p;
}
function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

/** Sizes the canvas backing store to its CSS box (sharp on high-DPI screens); returns the 2D context and box. */
function prepare(canvas) {
  var ratio = window.devicePixelRatio || 1;
  var w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  var g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '11px system-ui, sans-serif';
  return { g: g, w: w, h: h };
}

var PAD = { left: 60, right: 10, top: 8, bottom: 20 };

function drawYAxis(g, w, h, top, format) {
  g.strokeStyle = cssVar('--line');
  g.fillStyle = cssVar('--muted');
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (var i = 0; i <= 4; i++) {
    var y = PAD.top + (h - PAD.top - PAD.bottom) * (1 - i / 4);
    g.beginPath(); g.moveTo(PAD.left, Math.round(y) + 0.5); g.lineTo(w - PAD.right, Math.round(y) + 0.5); g.stroke();
    g.fillText(format(top * i / 4), PAD.left - 6, y);
  }
}

/**
 * A time-series chart: series = [{ color, dash }], points = [{ t, values: [number|null] }].
 * A null value (no data, or a counter that went backwards) leaves a gap.
 */
function drawLines(canvas, series, points, options) {
  var box = prepare(canvas), g = box.g, w = box.w, h = box.h;
  var top = options.fixedTop || 0;
  if (!options.fixedTop) {
    points.forEach(function (p) { p.values.forEach(function (v) { if (v !== null && v > top) top = v; }); });
    top = niceCeiling(top);
  }
  drawYAxis(g, w, h, top, options.format || fmtAxis);
  if (points.length === 0) return;
  // The window is the last HISTORY polls; until that many have arrived it stretches over what there is.
  var t1 = points[points.length - 1].t, t0 = Math.max(points[0].t, t1 - intervalMs * (HISTORY - 1));
  g.textAlign = 'left'; g.textBaseline = 'alphabetic'; g.fillStyle = cssVar('--muted');
  g.fillText(Math.round((t1 - t0) / 1000) + ' s', PAD.left, h - 5);
  g.textAlign = 'right'; g.fillText('now', w - PAD.right, h - 5);
  function x(t) { return PAD.left + (w - PAD.left - PAD.right) * (t - t0) / (t1 - t0 || 1); }
  function y(v) { return PAD.top + (h - PAD.top - PAD.bottom) * (1 - v / top); }
  series.forEach(function (s, i) {
    g.strokeStyle = s.color; g.fillStyle = s.color; g.lineWidth = 2;
    g.setLineDash(s.dash ? [5, 4] : []);
    g.beginPath();
    var drawing = false, lastX = 0, lastY = 0, runLength = 0;
    points.forEach(function (p) {
      var v = p.values[i];
      if (v === null || p.t < t0) {
        if (runLength === 1) g.fillRect(lastX - 1.5, lastY - 1.5, 3, 3);
        drawing = false; runLength = 0; return;
      }
      lastX = x(p.t); lastY = y(v);
      if (drawing) g.lineTo(lastX, lastY); else g.moveTo(lastX, lastY);
      drawing = true; runLength++;
    });
    g.stroke();
    // A lone point has no segment to stroke: mark it so the first sample is visible.
    if (runLength === 1) g.fillRect(lastX - 1.5, lastY - 1.5, 3, 3);
  });
  g.setLineDash([]);
}

/**
 * Grouped bars: groups = [{ label, values: [number] }], series = [{ color }], drawn side by side per group.
 * bytes = true puts the axis in binary units.
 */
function drawBars(canvas, series, groups, bytes) {
  var box = prepare(canvas), g = box.g, w = box.w, h = box.h;
  var max = 0;
  groups.forEach(function (grp) { grp.values.forEach(function (v) { if (v > max) max = v; }); });
  var axis = bytes ? byteAxis(max) : { top: niceCeiling(max), format: fmtAxis };
  var top = axis.top;
  drawYAxis(g, w, h, top, axis.format);
  if (groups.length === 0) {
    g.fillStyle = cssVar('--muted'); g.textAlign = 'center'; g.textBaseline = 'middle';
    g.fillText('no data yet', (w + PAD.left) / 2, h / 2);
    return;
  }
  var slot = (w - PAD.left - PAD.right) / groups.length;
  var barWidth = Math.max(2, Math.min(28, (slot - 6) / series.length));
  groups.forEach(function (grp, gi) {
    var left = PAD.left + slot * gi + (slot - barWidth * series.length) / 2;
    grp.values.forEach(function (v, si) {
      var barHeight = (h - PAD.top - PAD.bottom) * v / top;
      g.fillStyle = series[si].color;
      g.fillRect(left + si * barWidth, h - PAD.bottom - barHeight, barWidth - 1, barHeight);
    });
    g.fillStyle = cssVar('--muted'); g.textAlign = 'center'; g.textBaseline = 'alphabetic';
    g.fillText(grp.label, PAD.left + slot * (gi + 0.5), h - 5);
  });
}

/** Rate of a counter between two documents, or null when unknown or the counter went backwards (stats reset, restart). */
function rate(prev, cur, family, name) {
  if (!prev || !prev.doc || !cur.doc) return null;
  var a = num(prev.doc[family], name), b = num(cur.doc[family], name);
  if (a === null || b === null || b < a) return null;
  return (b - a) * 1000 / elapsedMs(prev, cur);
}
/** Time between two samples by the daemon's clock (when the shards answered), so HTTP delays do not spike the rates. */
function elapsedMs(prev, cur) {
  var ms = cur.doc.sampled_at_ms - prev.doc.sampled_at_ms;
  return ms > 0 ? ms : cur.t - prev.t;
}
function intervalHitRatio(prev, cur) {
  if (!prev || !prev.doc || !cur.doc) return null;
  var hits = num(cur.doc.general, 'get_hits') - num(prev.doc.general, 'get_hits');
  var misses = num(cur.doc.general, 'get_misses') - num(prev.doc.general, 'get_misses');
  if (!(hits >= 0 && misses >= 0) || hits + misses === 0) return null;
  return 100 * hits / (hits + misses);
}

function setDerived(name, text) {
  document.querySelectorAll('[data-derived="' + name + '"]').forEach(function (el) { el.textContent = text; });
}

/** Slab classes present in stats slabs, ascending: [{ id, fields }]. */
function slabClasses(doc) {
  var byId = {};
  Object.keys(doc.slabs).forEach(function (key) {
    var m = /^(\d+):(\w+)$/.exec(key);
    if (!m) return;
    (byId[m[1]] = byId[m[1]] || {})[m[2]] = doc.slabs[key];
  });
  return Object.keys(byId).map(Number).sort(function (a, b) { return a - b; })
    .map(function (id) { return { id: id, fields: byId[id] }; });
}

function cell(row, text, family, stat, extra) {
  var td = document.createElement('td');
  td.textContent = raw(text);
  if (family) { td.setAttribute('data-family', family); td.setAttribute('data-stat', stat); }
  if (extra) Object.keys(extra).forEach(function (k) { td.setAttribute(k, extra[k]); });
  row.appendChild(td);
  return td;
}
function fillTable(id, rows) {
  var body = document.querySelector('#' + id + ' tbody');
  body.textContent = '';
  rows.forEach(function (r) { body.appendChild(r); });
  document.getElementById(id + '-empty').hidden = rows.length > 0;
}

function renderTables(doc) {
  fillTable('slabs', slabClasses(doc).map(function (c) {
    var tr = document.createElement('tr');
    cell(tr, c.id);
    ['chunk_size', 'total_pages', 'used_chunks', 'free_chunks', 'mem_requested', 'get_hits', 'cmd_set'].forEach(function (f) {
      cell(tr, c.fields[f], 'slabs', c.id + ':' + f);
    });
    ['evicted', 'age'].forEach(function (f) {
      var name = 'items:' + c.id + ':' + f;
      cell(tr, doc.items[name], doc.items[name] === undefined ? null : 'items', name);
    });
    return tr;
  }));
  fillTable('shards', doc.shards.map(function (s, i) {
    var tr = document.createElement('tr');
    cell(tr, i);
    ['cmd_get', 'cmd_set', 'curr_items', 'bytes', 'evictions'].forEach(function (f) {
      cell(tr, s[f], 'shard', f, { 'data-shard': String(i) });
    });
    return tr;
  }));
  fillTable('hotkeys', hotKeyRows(doc.hotkeys));
}

/**
 * stats hotkeys, one row per key: fields named "<prefix>:<rank>:<field>"
 * (hotkey:1:key, hotkey:1:count, ...) become a row per rank and a column per
 * field, in the order the daemon lists them; other fields (hotkeys_ops) are
 * shown above the table. Null (a daemon without hot-key tracking) leaves the table empty.
 */
function hotKeyRows(hotkeys) {
  var summary = document.getElementById('hotkeys-summary');
  summary.textContent = '';
  document.getElementById('hotkeys-empty').textContent = hotkeys ? 'no keys counted yet' : 'no hot-key data from this daemon';
  if (!hotkeys) return [];
  var ranked = {}, columns = [];
  Object.keys(hotkeys).forEach(function (name) {
    var m = /^(.*?):?(\d+):(\w+)$/.exec(name);
    if (!m) {
      var line = document.createElement('span');
      line.appendChild(document.createTextNode(name + ' '));
      var value = document.createElement('b');
      value.setAttribute('data-family', 'hotkeys');
      value.setAttribute('data-stat', name);
      value.textContent = raw(hotkeys[name]);
      line.appendChild(value);
      summary.appendChild(line);
      summary.appendChild(document.createTextNode(' '));
      return;
    }
    (ranked[m[2]] = ranked[m[2]] || {})[m[3]] = name;
    if (columns.indexOf(m[3]) < 0) columns.push(m[3]);
  });
  var head = document.querySelector('#hotkeys thead tr');
  head.textContent = '';
  ['#'].concat(columns).forEach(function (c) {
    var th = document.createElement('th'); th.textContent = c; head.appendChild(th);
    if (c === 'key') th.className = 'key';
  });
  return Object.keys(ranked).map(Number).sort(function (a, b) { return a - b; }).map(function (rank) {
    var tr = document.createElement('tr');
    cell(tr, rank);
    columns.forEach(function (c) {
      var name = ranked[rank][c];
      var td = cell(tr, name === undefined ? undefined : hotkeys[name], name === undefined ? null : 'hotkeys', name);
      if (c === 'key') td.className = 'key';
    });
    return tr;
  });
}

function legend(id, entries) {
  var el = document.getElementById(id);
  el.textContent = '';
  entries.forEach(function (e) {
    var span = document.createElement('span');
    var swatch = document.createElement('i');
    swatch.style.background = e.color;
    span.appendChild(swatch);
    span.appendChild(document.createTextNode(e.label));
    el.appendChild(span);
  });
}

function render() {
  var cur = samples[samples.length - 1];
  var prev = samples.length > 1 ? samples[samples.length - 2] : null;
  var doc = cur.doc;
  if (doc) {
    document.querySelectorAll('[data-family="general"][data-stat]').forEach(function (el) {
      el.textContent = raw(doc.general[el.getAttribute('data-stat')]);
    });
    var hits = num(doc.general, 'get_hits'), misses = num(doc.general, 'get_misses');
    setDerived('hit_ratio', hits + misses > 0 ? (100 * hits / (hits + misses)).toFixed(2) : '\u2014');
    setDerived('get_rate', fmtRate(rate(prev, cur, 'general', 'cmd_get')));
    setDerived('set_rate', fmtRate(rate(prev, cur, 'general', 'cmd_set')));
    setDerived('eviction_rate', fmtRate(rate(prev, cur, 'general', 'evictions')));
    setDerived('bytes_human', fmtBytes(num(doc.general, 'bytes')));
    setDerived('limit_maxbytes_human', fmtBytes(num(doc.general, 'limit_maxbytes')));
    renderTables(doc);
  }
  var series = samples.map(function (p, i) {
    var before = i > 0 ? samples[i - 1] : null;
    return {
      t: p.t,
      ops: [rate(before, p, 'general', 'cmd_get'), rate(before, p, 'general', 'cmd_set')],
      hit: [intervalHitRatio(before, p)],
      evictions: [rate(before, p, 'general', 'evictions')],
      conns: p.doc ? [num(p.doc.general, 'curr_connections'), num(p.doc.general, 'max_connections')] : [null, null],
    };
  });
  function pick(field) { return series.map(function (s) { return { t: s.t, values: s[field] }; }); }
  drawLines(document.getElementById('chart-ops'), [{ color: cssVar('--get') }, { color: cssVar('--set') }], pick('ops'), {});
  drawLines(document.getElementById('chart-hit-ratio'), [{ color: cssVar('--hit') }], pick('hit'), { fixedTop: 100, format: function (v) { return v + '%'; } });
  drawLines(document.getElementById('chart-evictions'), [{ color: cssVar('--evict') }], pick('evictions'), {});
  drawLines(document.getElementById('chart-connections'), [{ color: cssVar('--conn') }, { color: cssVar('--limit'), dash: true }], pick('conns'), {});
  if (doc) {
    drawBars(document.getElementById('chart-slab-memory'), [{ color: cssVar('--alloc') }, { color: cssVar('--hit') }],
      slabClasses(doc).map(function (c) {
        return { label: String(c.id), values: [Number(c.fields.total_chunks) * Number(c.fields.chunk_size), Number(c.fields.mem_requested)] };
      }), true);
    var before = prev;
    drawBars(document.getElementById('chart-shards'), [{ color: cssVar('--get') }, { color: cssVar('--set') }],
      doc.shards.map(function (s, i) {
        var old = before && before.doc && before.doc.shards[i];
        var getRate = old && s.cmd_get >= old.cmd_get ? (s.cmd_get - old.cmd_get) * 1000 / elapsedMs(before, cur) : 0;
        var setRate = old && s.cmd_set >= old.cmd_set ? (s.cmd_set - old.cmd_set) * 1000 / elapsedMs(before, cur) : 0;
        return { label: 'shard ' + i, values: [getRate, setRate] };
      }));
  }
}

/** Past the daemon's own 5 s bound for a stuck shard: only a daemon that does not answer at all gets here. */
var FETCH_TIMEOUT_MS = 15000;

function poll() {
  var started = performance.now();
  var abort = new AbortController();
  var timer = setTimeout(function () { abort.abort(); }, FETCH_TIMEOUT_MS);
  fetch('stats.json', { cache: 'no-store', signal: abort.signal })
    .then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ' ' + t.trim()); });
      return r.json();
    })
    .then(function (doc) { record(doc, null); }, function (err) { record(null, err); })
    .then(function () {
      clearTimeout(timer);
      setTimeout(poll, Math.max(0, intervalMs - (performance.now() - started)));
    });
}

function record(doc, err) {
  samples.push({ t: performance.now(), doc: doc });
  if (samples.length > HISTORY) samples.shift();
  polls++;
  var status = document.getElementById('poll');
  status.setAttribute('data-polls', String(polls));
  status.setAttribute('data-ok', doc ? 'true' : 'false');
  status.className = doc ? '' : 'poll-error';
  status.textContent = doc
    ? 'updated ' + new Date().toLocaleTimeString() + ' \u00b7 every ' + intervalMs + ' ms'
    : 'stats.json failed: ' + err.message;
  render();
}

legend('legend-ops', [{ color: cssVar('--get'), label: 'gets/s (\u0394 cmd_get)' }, { color: cssVar('--set'), label: 'sets/s (\u0394 cmd_set)' }]);
legend('legend-hit-ratio', [{ color: cssVar('--hit'), label: '\u0394 get_hits / (\u0394 get_hits + \u0394 get_misses), per poll' }]);
legend('legend-evictions', [{ color: cssVar('--evict'), label: 'evictions/s (\u0394 evictions)' }]);
legend('legend-connections', [{ color: cssVar('--conn'), label: 'curr_connections' }, { color: cssVar('--limit'), label: 'max_connections (-c)' }]);
legend('legend-slab-memory', [{ color: cssVar('--alloc'), label: 'total_chunks \u00d7 chunk_size' }, { color: cssVar('--hit'), label: 'mem_requested' }]);
legend('legend-shards', [{ color: cssVar('--get'), label: 'gets/s (\u0394 cmd_get)' }, { color: cssVar('--set'), label: 'sets/s (\u0394 cmd_set)' }]);
window.addEventListener('resize', function () { if (samples.length) render(); });
poll();
})();
`;

function rawStat(stat: string): string {
  return `<span class="raw">${stat} <b data-family="general" data-stat="${stat}">\u2014</b></span>`;
}

function tile(title: string, big: string, stats: readonly string[]): string {
  return `<div class="tile"><h2>${title}</h2><div class="big">${big}</div>${stats.map(rawStat).join('<br>')}</div>`;
}

function derived(name: string, from: string, suffix = ''): string {
  return `<span data-derived="${name}" data-from="${from}">\u2014</span>${suffix}`;
}

function chartCard(id: string, title: string): string {
  return `<div class="card"><h2>${title}</h2><div class="legend" id="legend-${id}"></div><canvas id="chart-${id}"></canvas></div>`;
}

function tableCard(id: string, title: string, columns: readonly string[], emptyText: string, wide = false, above = ''): string {
  const head = columns.map((c) => `<th>${c}</th>`).join('');
  return `<div class="card${wide ? ' wide' : ''}"><h2>${title}</h2>${above}<table id="${id}"><thead><tr>${head}</tr></thead><tbody></tbody></table>` +
    `<p class="empty" id="${id}-empty">${emptyText}</p></div>`;
}

/** The whole page, built once at load. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>shardcache status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>shardcache</h1>
  <span>memcached ${rawStat('version')}</span>
  <span>${rawStat('shardcache_version')}</span>
  <span>${rawStat('threads')}</span>
  <span>${rawStat('uptime')} s</span>
  <span id="poll" data-polls="0">waiting for the first poll of stats.json</span>
</header>
<main>
<section class="tiles">
  ${tile('Gets / s', derived('get_rate', 'cmd_get'), ['cmd_get', 'get_hits', 'get_misses'])}
  ${tile('Sets / s', derived('set_rate', 'cmd_set'), ['cmd_set', 'total_items'])}
  ${tile('Hit ratio', derived('hit_ratio', 'get_hits,get_misses', ' %'), ['get_hits', 'get_misses'])}
  ${tile('Memory', `${derived('bytes_human', 'bytes')} / ${derived('limit_maxbytes_human', 'limit_maxbytes')}`, ['bytes', 'limit_maxbytes', 'total_pages'])}
  ${tile('Items', `<span data-family="general" data-stat="curr_items">\u2014</span>`, ['evictions', 'reclaimed'])}
  ${tile('Evictions / s', derived('eviction_rate', 'evictions'), ['evictions', 'evicted_unfetched'])}
  ${tile('Connections', `<span data-family="general" data-stat="curr_connections">\u2014</span> / <span data-family="general" data-stat="max_connections">\u2014</span>`, ['total_connections', 'rejected_connections'])}
</section>
<section class="charts">
  ${chartCard('ops', 'Operations per second')}
  ${chartCard('hit-ratio', 'Hit ratio (%)')}
  ${chartCard('evictions', 'Evictions per second')}
  ${chartCard('connections', 'Connections')}
  ${chartCard('slab-memory', 'Memory by slab class (stats slabs)')}
  ${chartCard('shards', 'Operations per second by shard')}
</section>
<section class="tables">
  ${tableCard('hotkeys', 'Hot keys (stats hotkeys)', ['#', 'key', 'count', 'error', 'share'], 'no hot-key data from this daemon', false, '<div class="raw" id="hotkeys-summary"></div>')}
  ${tableCard('shards', 'Shards', ['shard', 'cmd_get', 'cmd_set', 'curr_items', 'bytes', 'evictions'], 'no shard data yet')}
  ${tableCard('slabs', 'Slab classes (stats slabs, stats items)', ['class', 'chunk_size', 'total_pages', 'used_chunks', 'free_chunks', 'mem_requested', 'get_hits', 'cmd_set', 'evicted', 'age'], 'no slab class holds a page yet', true)}
</section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
