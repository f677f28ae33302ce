// Test worker on the real Node client: JSON lines on stdout for what happens, commands as JSON lines on stdin.
// A send whose text starts with "FAIL " is failed with the rest of the text, as a platform error.
import readline from 'node:readline';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { Worker, textOf } = await import(pathToFileURL(path.resolve(process.env.WORKER_CLIENT)).href);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const w = new Worker({ nodes: process.env.NODES.split(','), key: process.env.KEY, platformId: process.env.PLATFORM,
  name: 'test-node-worker' });
let n = 0;
w.onSend(async (send) => {
  const text = textOf(send);
  out({ event: 'send', body: send });
  if (text.startsWith('FAIL ')) throw new Error(text.slice(5));
  return { message_id: `n${++n}` };
});
w.on('claimed', (a) => out({ event: 'claimed', answer: a }));
w.on('disconnected', (d) => out({ event: 'disconnected', node: `${d.host}:${d.port}` }));
w.on('refused', (e) => out({ event: 'refused', code: e.code, message: e.message }));
w.on('error', (e) => { out({ event: 'error', code: e.code, message: e.message }); process.exit(3); });
w.start().catch(() => {});
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === 'inbound') {
    try {
      out({ event: 'ack', id: cmd.id, body: await w.sendInbound(cmd.message) });
    } catch (e) {
      out({ event: 'nack', id: cmd.id, code: e.code, message: e.message });
    }
  } else if (cmd.cmd === 'attachment') {
    try {
      const a = await w.attachment(cmd.attachment_id);
      out({ event: 'attachment', id: cmd.id, size: a.data.length, filename: a.filename });
    } catch (e) {
      out({ event: 'nack', id: cmd.id, code: e.code, message: e.message });
    }
  }
});
