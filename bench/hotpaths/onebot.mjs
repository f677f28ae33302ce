// A OneBot v11 protocol end for bench/hotpaths.sh, in its own process: dials the gateway's reverse WebSocket and
// answers every action at once with ok, a new message_id and the action's echo.
// Usage: node onebot.mjs <ws-url> <self-id>
import { WebSocket } from 'undici';

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
