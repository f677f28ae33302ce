// Load generator of bench/hotpaths.sh (undici, its own process, pinned by the script to the mock's core).
// Streams are read by prefix only, never parsed as JSON. Prints one JSON line per measurement.
//   node load.mjs ttft   <direct-url> <gateway-url> <key> <turns> <slices> <model>
//   node load.mjs burst  <direct-url> <gateway-url> <key> <streams> <rounds> <model>
//   node load.mjs turns  <gateway-url> <key> <clients> <seconds> <model> <gateway-pid> <postmaster.pid file>
//   node load.mjs deltas <gateway-url> <key> <clients> <seconds> <model> <gateway-pid> <postmaster.pid file>
//   node load.mjs paced  <url> <key> <rate/s> <connections> <seconds> <post|get>   (im/message body when post)
import { Pool } from 'undici';
import fs from 'node:fs';

const [mode, ...args] = process.argv.slice(2);
const pools = new Map();
function pool(origin, connections) {
  if (!pools.has(origin)) pools.set(origin, new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 600_000, bodyTimeout: 0, headersTimeout: 0 }));
  return pools.get(origin);
}

const GW_TOKEN = Buffer.from('data: {"type": "plain"');
const DIRECT_TOKEN = Buffer.from('"delta":{"content":"');
const SAVED = Buffer.from('"type": "message_saved"');
const END = Buffer.from('"type": "end"');

/** One stream; resolves {ttft (ms), tokens, saved, ended, ok}. */
async function stream(direct, base, key, model, connections) {
  const u = new URL(base);
  const t0 = process.hrtime.bigint();
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  let path, body;
  if (direct) {
    path = u.pathname.replace(/\/$/, '') + '/chat/completions';
    headers.authorization = 'Bearer sk-bench';
    body = JSON.stringify({ model, stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }] });
  } else {
    path = '/api/v1/chat';
    headers['x-api-key'] = key;
    body = JSON.stringify({ username: 'bench', message: 'hi', selected_model: model });
  }
  const res = await pool(u.origin, connections).request({ path, method: 'POST', headers, body });
  if (res.statusCode !== 200) { await res.body.text(); return { ok: false }; }
  const marker = direct ? DIRECT_TOKEN : GW_TOKEN;
  let ttft = -1, first = -1, tokens = 0, saved = false, ended = false, done = false;
  // Markers may straddle two chunks: each search also sees the end of the previous chunk.
  let prev = Buffer.alloc(0);
  for await (const chunk of res.body) {
    if (first < 0) first = Number(process.hrtime.bigint() - t0) / 1e6;
    const joined = prev.length ? Buffer.concat([prev, chunk]) : chunk;
    const counted = joined.subarray(Math.max(0, prev.length - (marker.length - 1)));
    let i = counted.indexOf(marker);
    if (i >= 0 && ttft < 0) ttft = Number(process.hrtime.bigint() - t0) / 1e6;
    while (i >= 0) { tokens++; i = counted.indexOf(marker, i + marker.length); }
    if (!direct) {
      if (joined.includes(SAVED)) saved = true;
      if (joined.includes(END)) ended = true;
    } else if (joined.includes('[DONE]')) done = true;
    prev = joined.subarray(Math.max(0, joined.length - 32));
  }
  return { ok: ttft >= 0 && (direct ? done : ended), ttft, first, tokens, saved, ended };
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))];
}
function summary(list) {
  const s = [...list].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] };
}

// The gateway's user and system time apart, and PostgreSQL's by process kind (backends, the background processes,
// and exited children such as autovacuum workers), so a figure says where its time went.
function cpu(gatewayPid, postmasterFile) {
  const gwStat = statOf(gatewayPid);
  const pm = Number(fs.readFileSync(postmasterFile, 'utf8').split('\n')[0]);
  const pmStat = statOf(pm);
  const pgBy = { backends: 0, background: pmStat.user + pmStat.sys, exited: pmStat.childUser + pmStat.childSys };
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = statOf(d);
    if (st.ppid !== pm) continue;
    let title = '';
    try { title = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8'); } catch { /* gone */ }
    pgBy[/^postgres: \S+ \S+ [0-9.]+\(/.test(title) ? 'backends' : 'background'] += st.user + st.sys;
  }
  const ms = t => t * 10;
  return { gw: ms(gwStat.user + gwStat.sys), gwSys: ms(gwStat.sys),
    pg: ms(pgBy.backends + pgBy.background + pgBy.exited),
    pgBy: { backends: ms(pgBy.backends), background: ms(pgBy.background), exited: ms(pgBy.exited) } };
}
function statOf(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), user: Number(rest[11]), sys: Number(rest[12]), childUser: Number(rest[13]),
      childSys: Number(rest[14]) };
  } catch { return { ppid: -1, user: 0, sys: 0, childUser: 0, childSys: 0 }; }
}

async function ttft([directUrl, gatewayUrl, key, turns, slices, model]) {
  const per = Math.ceil(Number(turns) / Number(slices));
  const out = { direct: [], gateway: [], firstByte: [], errors: { direct: 0, gateway: 0 } };
  for (let s = 0; s < Number(slices); s++) {
    for (const direct of [true, false]) {
      for (let i = 0; i < per; i++) {
        const r = await stream(direct, direct ? directUrl : gatewayUrl, key, model, 1);
        if (r.ok) out[direct ? 'direct' : 'gateway'].push(r.ttft); else out.errors[direct ? 'direct' : 'gateway']++;
        if (r.ok && !direct) out.firstByte.push(r.first);
      }
    }
  }
  // gatewayFirstByte: request to the first body bytes (the session_id event), before any upstream work.
  return { mode: 'ttft', direct: summary(out.direct), gateway: summary(out.gateway),
    gatewayFirstByte: summary(out.firstByte), errors: out.errors };
}

async function burst([directUrl, gatewayUrl, key, streams, rounds, model]) {
  const out = { direct: [], gateway: [], errors: { direct: 0, gateway: 0 } };
  for (let r = 0; r < Number(rounds); r++) {
    for (const direct of [true, false]) {
      const all = await Promise.all(Array.from({ length: Number(streams) },
        () => stream(direct, direct ? directUrl : gatewayUrl, key, model, Number(streams))));
      for (const x of all) if (x.ok) out[direct ? 'direct' : 'gateway'].push(x.ttft); else out.errors[direct ? 'direct' : 'gateway']++;
      await new Promise(res => setTimeout(res, 300));
    }
  }
  return { mode: 'burst', direct: summary(out.direct), gateway: summary(out.gateway), errors: out.errors };
}

async function closedLoop([gatewayUrl, key, clients, seconds, model, gatewayPid, postmasterFile], label) {
  const n = Number(clients);
  const until = Date.now() + Number(seconds) * 1000;
  let turns = 0, saved = 0, deltas = 0, errors = 0;
  // Ramp: one turn per client before the window opens.
  await Promise.all(Array.from({ length: n }, () => stream(false, gatewayUrl, key, model, n)));
  const before = cpu(gatewayPid, postmasterFile);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, async () => {
    while (Date.now() < until) {
      const r = await stream(false, gatewayUrl, key, model, n);
      if (r.ok && r.saved) { turns++; saved++; deltas += r.tokens; } else errors++;
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const after = cpu(gatewayPid, postmasterFile);
  const gw = after.gw - before.gw, pg = after.pg - before.pg;
  const pgBy = Object.fromEntries(Object.keys(after.pgBy).map(k => [k, after.pgBy[k] - before.pgBy[k]]));
  return { mode: label, clients: n, seconds: secs, turns, deltas, errors, turnsPerSecond: turns / secs,
    cpuMs: { gateway: gw, gatewayKernel: after.gwSys - before.gwSys, postgres: pg, postgresBy: pgBy }, cpuPerTurnMs: (gw + pg) / turns, cpuPerDeltaUs: (gw + pg) * 1000 / deltas,
    busyCores: (gw + pg) / 1000 / secs };
}

/**
 * Open loop at a steady rate: request i is due at t0 + i/rate, whatever the earlier ones are doing, and its latency
 * runs from when it was due (a late start counts), over a fixed set of keep-alive connections.
 */
async function paced([url, key, rate, connections, seconds, method]) {
  const u = new URL(url);
  const p = pool(u.origin, Number(connections));
  const post = method === 'post';
  const opts = { path: u.pathname, method: post ? 'POST' : 'GET', headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: post ? JSON.stringify({ umo: 'qq:FriendMessage:12345', message: 'bench' }) : undefined };
  const total = Number(rate) * Number(seconds);
  const gap = 1e9 / Number(rate);
  const lat = [];
  let errors = 0, i = 0;
  const inflight = new Set();
  // Every connection open and used before the clock starts: the connects are not what is measured.
  for (let w = 0; w < 3; w++) {
    await Promise.all(Array.from({ length: Number(connections) }, () => p.request(opts).then(r => r.body.dump(), () => {})));
  }
  const t0 = process.hrtime.bigint();
  while (i < total) {
    const now = Number(process.hrtime.bigint() - t0);
    while (i < total && i * gap <= now) {
      const due = i * gap;
      i++;
      const req = p.request(opts).then(async res => {
        await res.body.dump();
        if (res.statusCode === 200) lat.push((Number(process.hrtime.bigint() - t0) - due) / 1e6); else errors++;
      }, () => { errors++; });
      inflight.add(req);
      req.finally(() => inflight.delete(req));
    }
    await new Promise(res => setTimeout(res, 1));
  }
  await Promise.all(inflight);
  return { mode: 'paced', rate: Number(rate), sent: total, latencyMs: summary(lat), errors };
}

const run = { paced, ttft, burst, turns: a => closedLoop(a, 'turns'), deltas: a => closedLoop(a, 'deltas') }[mode];
if (!run) { console.error('unknown mode ' + mode); process.exit(2); }
const result = await run(args);
console.log(JSON.stringify(result));
for (const p of pools.values()) await p.close();
