// Reads one POST /api/v1/chat turn from a running astrgate through a third-party SSE parser (eventsource-parser)
// and checks what an ordinary client would rely on: every frame parses as an unnamed `data:` event holding JSON,
// the event types come in upstream's streaming order, and the streamed text adds up to `complete`.
// Usage: node check.mjs <base-url> <api-key>      (EXPECT_TEXT, if set, is the text the upstream was told to send)
import { createParser } from 'eventsource-parser';
import { readFileSync } from 'node:fs';

const [base, key] = process.argv.slice(2);
if (!base || !key) {
  console.error('usage: node check.mjs <base-url> <api-key>');
  process.exit(2);
}
const version = JSON.parse(readFileSync(new URL('./node_modules/eventsource-parser/package.json', import.meta.url))).version;
const expectText = process.env.EXPECT_TEXT;
const sessionId = `node-check-${Date.now()}`;
const failures = [];
const check = (cond, what) => { if (!cond) failures.push(what); return cond; };

const res = await fetch(`${base}/api/v1/chat`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
  body: JSON.stringify({ username: 'bench', session_id: sessionId, message: 'hello from node', enable_streaming: true }),
  signal: AbortSignal.timeout(30_000),
});
check(res.status === 200, `status ${res.status}`);
check((res.headers.get('content-type') ?? '').startsWith('text/event-stream'), `content-type ${res.headers.get('content-type')}`);

const events = [];
let comments = 0;
let chunks = 0;
const parser = createParser({
  onEvent: (ev) => events.push(ev),
  onComment: () => { comments++; },
  onError: (err) => failures.push(`parser error: ${err.type ?? ''} ${err.message}`),
});
const decoder = new TextDecoder();
for await (const chunk of res.body) {
  chunks++;
  parser.feed(decoder.decode(chunk, { stream: true }));
}
parser.feed(decoder.decode());
parser.reset({ consume: true });

const parsed = [];
for (const ev of events) {
  check(ev.event === undefined && ev.id === undefined, `an event with event/id fields: ${JSON.stringify(ev)}`);
  try {
    parsed.push(JSON.parse(ev.data));
  } catch (e) {
    failures.push(`not JSON: ${ev.data.slice(0, 80)}`);
  }
}
const types = parsed.map((e) => e.type);
const order = types.join(' ');
check(/^session_id( plain)+ agent_stats complete message_saved end$/.test(order), `order: ${order}`);

const byType = (t) => parsed.filter((e) => e.type === t);
const first = (t) => byType(t)[0] ?? {};
const plains = byType('plain');
const streamed = plains.map((e) => e.data).join('');
const complete = first('complete');
const mid = complete.message_id;
check(first('session_id').session_id === sessionId, 'session_id event carries another session');
check(plains.every((e) => e.streaming === true && e.chain_type === null && e.message_id === mid),
  'plain events: streaming/chain_type/message_id not as expected');
check(streamed === complete.data, `concatenated plain ${JSON.stringify(streamed)} != complete.data ${JSON.stringify(complete.data)}`);
if (expectText !== undefined) {
  check(streamed === expectText, `streamed text ${JSON.stringify(streamed)} != upstream text ${JSON.stringify(expectText)}`);
}
check(Number.isInteger(first('message_saved').data?.id), 'message_saved.data.id is not an integer');
check(typeof first('agent_stats').data?.token_usage?.output === 'number', 'agent_stats without token_usage');
check(first('end').message_id === mid && first('end').data === '', 'end event not as expected');

const runs = [];
for (const t of types) {
  if (runs.length && runs[runs.length - 1][0] === t) runs[runs.length - 1][1]++;
  else runs.push([t, 1]);
}
console.log(`eventsource-parser ${version} on node ${process.version}: ${events.length} events in ${chunks} body chunks, ${comments} comments`);
console.log(`order: ${runs.map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', ')}`);
console.log(`concatenated plain data (${streamed.length} chars) ${streamed === complete.data ? '==' : '!='} complete.data`
  + (expectText !== undefined ? `, ${streamed === expectText ? '==' : '!='} the upstream's text` : '')
  + `: ${JSON.stringify(streamed)}`);
if (failures.length) {
  failures.forEach((f) => console.log(`FAIL: ${f}`));
  process.exit(1);
}
console.log('PASS');
