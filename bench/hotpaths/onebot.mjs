// A OneBot v11 protocol end for bench/hotpaths.sh, in its own process: dials the gateway's reverse WebSocket and
// answers every action at once with ok, a new message_id and the action's echo.
// Usage: node onebot.mjs <ws-url> <self-id>
import { WebSocket } from 'undici';
import { monitorEventLoopDelay } from 'node:perf_hooks';

// Its own stalls, every 10 s in its log: a send waits for this process as much as for the gateway.
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
setInterval(() => {
  console.log(`${new Date().toISOString()} loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(2)} p99 `
    + `${(delay.percentile(99) / 1e6).toFixed(2)} max ${(delay.max / 1e6).toFixed(2)} ms`);
  delay.reset();
}, 10_000).unref();

const [url, selfId] = process.argv.slice(2);
let next = 1;
function connect() {
  const ws = new WebSocket(url, { headers: { 'X-Self-ID': selfId, 'X-Client-Role': 'Universal' } });
  ws.addEventListener('open', () => console.log('onebot end connected'));
  ws.addEventListener('message', ev => {
    const call = JSON.parse(ev.data);
    if (call.echo === undefined) return;
    ws.send(JSON.stringify({ status: 'ok', retcode: 0, data: { message_id: next++ }, echo: call.echo }));
  });
  ws.addEventListener('close', () => setTimeout(connect, 200));
  ws.addEventListener('error', () => {});
}
connect();
