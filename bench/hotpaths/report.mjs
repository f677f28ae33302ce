// Prints the issue-10 table from the JSON lines bench/hotpaths.sh collected. Usage: node report.mjs <results.jsonl>
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
const by = name => rows.find(r => r.row === name);
const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x)) ? 'n/a' : x.toFixed(d);
const line = [];
const add = (measure, today, goal, now) => line.push([measure, now, today, goal]);

const t = by('ttft');
add('added TTFT, one stream at a time (2-delta mock, 400 turns, warmed), p50 / p99 ms',
  '1.7–2.8 / 3.7–9.8 ms', 'p99 ≤ 1 ms',
  t ? `${f(t.gateway.p50 - t.direct.p50)} / ${f(t.gateway.p99 - t.direct.p99)} ms (direct ${f(t.direct.p50)}/${f(t.direct.p99)}, gw ${f(t.gateway.p50)}/${f(t.gateway.p99)}; err ${t.errors.direct}/${t.errors.gateway})` : 'not run');
const u = by('turns');
add('CPU of gateway JVM + its PostgreSQL per persisted short turn (16 concurrent)',
  '2.4–2.6 ms (about 280 turns/s)', '≤ 0.5 ms (≥ 2,000 turns/s per core)',
  u ? `${f(u.cpuPerTurnMs, 3)} ms (gw ${f(u.cpuMs.gateway / u.turns, 3)} + pg ${f(u.cpuMs.postgres / u.turns, 3)}); ${f(u.turnsPerSecond, 0)} turns/s, ${f(u.busyCores)} cores busy, err ${u.errors}` : 'not run');
const d = by('deltas');
add('CPU per streamed delta (64 deltas @ 20 ms, 64 concurrent)', '60–71 µs', '≤ 10 µs',
  d ? `${f(d.cpuPerDeltaUs, 1)} µs (gateway kernel time ${f(d.cpuMs.gatewayKernel * 1000 / d.deltas, 1)} µs of it; ${d.deltas} deltas, ${f(d.cpuPerTurnMs, 2)} ms a turn, err ${d.errors})` : 'not run');
const b = by('burst');
add('128 streams opened at once: added TTFT p99', '66–134 ms', '≤ 50 ms',
  b ? `${f(b.gateway.p99 - b.direct.p99, 1)} ms (direct p99 ${f(b.direct.p99, 1)}, gw p99 ${f(b.gateway.p99, 1)}; err ${b.errors.direct}/${b.errors.gateway})` : 'not run');
const wa = by('wrk-owner'), wb = by('wrk-other');
add('im/message to a connected OneBot end, wrk -c32, to the owner / across nodes', '2,170–2,890 / 1,770–2,090 per s',
  '≥ 15,000 / ≥ 10,000 per s',
  wa || wb ? `${wa ? f(wa.rps, 0) : 'n/a'} / ${wb ? f(wb.rps, 0) : 'n/a'} per s (non-2xx ${wa ? wa.errors : '-'}/${wb ? wb.errors : '-'})`
    + (wa?.cpuUsPerRequest && wb?.cpuUsPerRequest ? `; CPU per send: owner ${wa.cpuUsPerRequest.a} µs, across ${wb.cpuUsPerRequest.b} µs on B + ${wb.cpuUsPerRequest.a} µs on A` : '') : 'not run');
const ha = by('hey-owner'), hb = by('hey-other'), hf = by('hey-floor');
add('im/message at 1,000/s open loop (hey -q 20 -c 50), p50 / p99, owner [across]', '12–37 / 31–140 ms', '≤ 1 / ≤ 3 ms',
  ha ? `${f(ha.p50 * 1000)} / ${f(ha.p99 * 1000)} ms${hb ? ` [${f(hb.p50 * 1000)} / ${f(hb.p99 * 1000)} ms]` : ''} (non-200 ${ha.errors}${hb ? '/' + hb.errors : ''})`
    + (hf ? `; hey's own floor, GET /healthz: ${f(hf.p50 * 1000)} / ${f(hf.p99 * 1000)} ms` : '') : 'not run');
const pa = by('paced-owner'), pb = by('paced-other'), pf = by('paced-floor');
const pl = r => `${f(r.latencyMs.p50)} / ${f(r.latencyMs.p99)} ms`;
if (pa) {
  add('the same 1,000/s evenly paced (undici, 50 connections, latency from the due time), owner [across]', '–', '≤ 1 / ≤ 3 ms',
    `${pl(pa)}${pb ? ` [${pl(pb)}]` : ''} (errors ${pa.errors}${pb ? '/' + pb.errors : ''})` + (pf ? `; GET /healthz: ${pl(pf)}` : ''));
}
const bots = by('wrk-bots');
add('for scale: GET im/bots with a warm key, wrk -c32, same node', '44,900 per s', '–', bots ? `${f(bots.rps, 0)} per s` : 'not run');

console.log('| measure (one gateway core) | now | astrgate at issue 10 | goal |');
console.log('|---|---|---|---|');
for (const [m, now, today, goal] of line) console.log(`| ${m} | ${now} | ${today} | ${goal} |`);
