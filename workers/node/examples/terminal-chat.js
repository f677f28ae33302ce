#!/usr/bin/env node
// Terminal chat: talk to your bot from stdin/stdout through an astrgate worker platform.
//   ASTRGATE_KEY=abk_... astrgate-terminal-chat 127.0.0.1:7870 [more nodes...]
// Env: ASTRGATE_KEY (a key with the platform scope), ASTRGATE_PLATFORM (default "terminal"), ASTRGATE_USER.
import readline from 'node:readline';
import { Worker, textOf } from '../index.js';

const nodes = process.argv.slice(2).length ? process.argv.slice(2) : (process.env.ASTRGATE_NODES || '127.0.0.1:7870').split(',');
const key = process.env.ASTRGATE_KEY;
if (!key) {
  console.error('set ASTRGATE_KEY to an API key with the platform scope (astrgate keys create --scopes platform)');
  process.exit(2);
}
const platformId = process.env.ASTRGATE_PLATFORM || 'terminal';
const user = process.env.ASTRGATE_USER || process.env.USER || 'me';

const worker = new Worker({ nodes, key, platformId, name: 'terminal-chat' });
let seq = 0;
worker.onSend(async (send) => {
  process.stdout.write(`bot> ${textOf(send)}\n`);
  return { message_id: `t${++seq}` };
});
worker.on('claimed', (a) => process.stderr.write(`[claimed ${a.platform_id} on ${a.node}, epoch ${a.epoch}]\n`));
worker.on('disconnected', (n) => process.stderr.write(`[lost ${n.host}:${n.port}, failing over]\n`));
worker.on('refused', (e) => process.stderr.write(`[waiting: ${e.message}]\n`));

try {
  await worker.start();
} catch (err) {
  console.error(`claim refused: ${err.message}`);
  process.exit(1);
}
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  worker.sendInbound({ session_id: user, sender: { user_id: user, nickname: user }, message_id: `in${++seq}`, text: line })
    .catch((err) => process.stderr.write(`[not delivered: ${err.message}]\n`));
});
rl.on('close', () => worker.close().then(() => process.exit(0)));
