// Bench worker: the Node reference client answering every send at once.
import { Worker } from '../workers/node/index.js';
const w = new Worker({ nodes: process.env.NODES.split(','), key: process.env.KEY, platformId: process.env.PLATFORM,
  name: 'bench-echo' });
let n = 0;
w.onSend(async () => ({ message_id: `b${++n}` }));
w.on('claimed', (a) => console.log(`claimed ${a.platform_id} on ${a.node}`));
await w.start();
