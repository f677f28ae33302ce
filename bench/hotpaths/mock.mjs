// OpenAI-compatible streaming mock for bench/hotpaths.sh. The model name picks the answer's shape:
// "d<N>i<MS>" streams N content deltas, MS milliseconds apart (0: all at once), then a usage chunk and [DONE].
// Usage: node mock.mjs <port-file>   (listens on a free loopback port and writes it to <port-file>)
import http from 'node:http';
import fs from 'node:fs';

const head = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"';
const tail = '"},"finish_reason":null}]}';
const stop = 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
  + 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n'
  + 'data: [DONE]\n\n';

function shape(model) {
  const m = /^d(\d+)i(\d+)$/.exec(model || '');
  return m ? { deltas: Number(m[1]), interval: Number(m[2]) } : { deltas: 2, interval: 0 };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400).end('bad json'); return; }
    const { deltas, interval } = shape(body.model);
    if (body.stream === false) {
      const text = 'tok'.repeat(deltas);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', created: 1, model: 'm',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: deltas, total_tokens: 5 + deltas } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (interval === 0) {
      let out = '';
      for (let i = 0; i < deltas; i++) out += 'data: ' + head + 't' + i + tail + '\n\n';
      res.end(out + stop);
      return;
    }
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) { clearInterval(timer); return; }
      res.write('data: ' + head + 't' + i + tail + '\n\n');
      if (++i === deltas) { clearInterval(timer); res.end(stop); }
    }, interval);
    res.on('close', () => clearInterval(timer));
  });
});
server.keepAliveTimeout = 600_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(0, '127.0.0.1', () => fs.writeFileSync(process.argv[2], String(server.address().port)));
