// astrgate adapter worker client: the TCP event-bus bridge's frames (4-byte big-endian length + JSON) and the
// worker protocol of docs/workers.md, on Node's standard library only.
import net from 'node:net';
import tls from 'node:tls';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

export const CLAIM = 'astrgate.worker.claim';
export const INBOUND = 'astrgate.worker.inbound';
export const ATTACHMENT = 'astrgate.worker.attachment';
export const SEND = 'astrgate.worker.send';

const MAX_INCOMING_FRAME = 64 * 1024 * 1024;

/** An error the node answered a request with; `code` is the frame's failureCode (401, 403, 404, 409, ...). */
export class BridgeError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
  }
}

/** Throw this from a send handler when the request itself is wrong (answered as 400, not 502). */
export class InvalidSend extends Error {}

function parseNode(spec) {
  if (typeof spec === 'object') return spec;
  const i = spec.lastIndexOf(':');
  return { host: spec.slice(0, i) || '127.0.0.1', port: Number(spec.slice(i + 1)) };
}

/**
 * One platform held by this process. Events: 'claimed' (answer), 'disconnected' (node), 'refused' (BridgeError,
 * while another worker holds the platform), 'error' (fatal: bad key, undeclared id), 'frame-error' (err frame).
 */
export class Worker extends EventEmitter {
  constructor({ nodes, key, platformId, name = 'node-worker', tls: useTls = false, tlsOptions = {},
    backoffMs = 100, maxBackoffMs = 2000, requestTimeoutMs = 330000 }) {
    super();
    if (!nodes || nodes.length === 0) throw new Error('nodes: at least one host:port');
    this.nodes = nodes.map(parseNode);
    this.key = key;
    this.platformId = platformId;
    this.name = name;
    this.useTls = useTls;
    this.tlsOptions = tlsOptions;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.handler = async () => ({});
    this.index = 0;
    this.socket = null;
    this.claimed = false;
    this.closed = false;
    this.pending = new Map();
    this.waiters = [];
    this.pingTimer = null;
    this.node = null;
  }

  /** handler(send) -> {message_id} | undefined; throw to fail the send (InvalidSend for 400). */
  onSend(handler) {
    this.handler = handler;
    return this;
  }

  /** Connects and claims; resolves on the first successful claim, rejects on a fatal refusal. */
  start() {
    const first = new Promise((resolve, reject) => {
      const ok = (a) => { this.off('error', bad); resolve(a); };
      const bad = (e) => { this.off('claimed', ok); reject(e); };
      this.once('claimed', ok);
      this.once('error', bad);
    });
    this.#connect(0);
    return first;
  }

  /** Hands a user message to the gateway; waits for a claim while failing over. Resolves with the node's ack. */
  async sendInbound(message) {
    const m = { ...message };
    m.platform_id ??= this.platformId;
    m.message_type ??= 'FriendMessage';
    m.umo ??= `${this.platformId}:${m.message_type}:${m.session_id}`;
    m.text ??= (m.parts || []).filter((p) => p.type === 'plain').map((p) => p.text).join('');
    m.parts ??= [{ type: 'plain', text: m.text }];
    m.timestamp ??= Math.floor(Date.now() / 1000);
    await this.#ready();
    return this.#request(INBOUND, m);
  }

  /** The bytes of an attachment a send named by id: {attachment_id, filename, mime_type, size, data: Buffer}. */
  async attachment(id) {
    await this.#ready();
    const r = await this.#request(ATTACHMENT, { attachment_id: id });
    return { ...r, data: Buffer.from(r.data, 'base64') };
  }

  /** Closes the connection; the gateway releases the platform at once. */
  async close() {
    this.closed = true;
    clearInterval(this.pingTimer);
    if (this.socket) {
      const s = this.socket;
      await new Promise((resolve) => { s.once('close', resolve); s.end(); setTimeout(() => s.destroy(), 500); });
    }
  }

  #ready() {
    if (this.claimed) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('worker closed'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no node accepted the claim in time')), this.requestTimeoutMs);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  #connect(attempt) {
    if (this.closed) return;
    const node = this.nodes[this.index % this.nodes.length];
    const opts = { host: node.host, port: node.port, ...this.tlsOptions };
    const socket = this.useTls ? tls.connect(opts) : net.connect(opts);
    socket.setNoDelay(true);
    this.socket = socket;
    let buf = Buffer.alloc(0);
    let up = false;
    socket.once(this.useTls ? 'secureConnect' : 'connect', () => {
      up = true;
      this.node = node;
      this.#claim(socket, 0);
    });
    socket.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len > MAX_INCOMING_FRAME) { socket.destroy(new Error(`frame of ${len} bytes`)); return; }
        if (buf.length < 4 + len) break;
        const frame = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        let msg;
        try { msg = JSON.parse(frame.toString('utf8')); } catch { continue; }
        this.#onFrame(socket, msg);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      const wasClaimed = this.claimed;
      this.claimed = false;
      clearInterval(this.pingTimer);
      for (const [, p] of this.pending) p.reject(new BridgeError('connection lost', 503));
      this.pending.clear();
      if (this.closed) return;
      if (up) this.emit('disconnected', node);
      this.index++;
      const next = wasClaimed ? 0 : attempt + 1;
      const wait = next === 0 ? 0 : Math.min(this.maxBackoffMs, this.backoffMs * 2 ** Math.min(next - 1, 10));
      setTimeout(() => this.#connect(next), wait);
    });
  }

  #claim(socket, refusals) {
    if (this.socket !== socket || this.closed) return;
    this.#request(CLAIM, { platform_id: this.platformId, worker: this.name },
      { authorization: `Bearer ${this.key}` }, 10000)
      .then((answer) => {
        this.claimed = true;
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.#write(socket, { type: 'ping' }), answer.ping_interval_ms || 5000);
        this.emit('claimed', answer);
        const w = this.waiters; this.waiters = [];
        w.forEach((f) => f());
      })
      .catch((err) => {
        if (this.socket !== socket || this.closed) return;
        if (err.code === 409 || err.code === 503) {
          // Held by another worker (or its node is still dying): ask again, on this connection.
          this.emit('refused', err);
          setTimeout(() => this.#claim(socket, refusals + 1), Math.min(this.maxBackoffMs, this.backoffMs * 2 ** Math.min(refusals, 10)));
        } else if (err.code === 401 || err.code === 403 || err.code === 404 || err.code === 400) {
          this.closed = true;
          socket.destroy();
          if (this.listenerCount('error')) this.emit('error', err);
          else console.error(`astrgate worker stopped: ${err.message}`);
        } else {
          socket.destroy();
        }
      });
  }

  #request(address, body, headers, timeoutMs = this.requestTimeoutMs) {
    const socket = this.socket;
    if (!socket) return Promise.reject(new BridgeError('not connected', 503));
    const replyAddress = `w.${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.pending.delete(replyAddress); reject(new BridgeError(`${address}: no answer`, 504)); }, timeoutMs);
      this.pending.set(replyAddress, {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      const frame = { type: 'send', address, replyAddress, body };
      if (headers) frame.headers = headers;
      this.#write(socket, frame);
    });
  }

  #onFrame(socket, msg) {
    if (msg.type === 'pong') return;
    const p = msg.address && this.pending.get(msg.address);
    if (p) {
      this.pending.delete(msg.address);
      if (msg.type === 'err') p.reject(new BridgeError(msg.message, msg.failureCode));
      else p.resolve(msg.body);
      return;
    }
    if (msg.type === 'err') { this.emit('frame-error', msg); return; }
    if (msg.type === 'message' && msg.address === SEND) this.#deliver(socket, msg);
  }

  async #deliver(socket, msg) {
    let reply;
    try {
      const r = (await this.handler(msg.body)) || {};
      reply = { type: 'send', address: msg.replyAddress, body: { ok: true, message_id: r.message_id ?? null } };
    } catch (err) {
      reply = { type: 'send', address: msg.replyAddress, failureCode: err instanceof InvalidSend ? 400 : 502,
        message: String(err && err.message ? err.message : err) };
    }
    if (msg.replyAddress) this.#write(socket, reply);
  }

  #write(socket, frame) {
    if (socket.destroyed) return;
    const data = Buffer.from(JSON.stringify(frame), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length, 0);
    socket.write(Buffer.concat([head, data]));
  }
}

/** The text of a send's plain parts, with a placeholder per other part: handy for text-only platforms. */
export function textOf(send) {
  return (send.parts || []).map((p) => (p.type === 'plain' ? p.text : `[${p.type}${p.filename ? ' ' + p.filename : ''}]`)).join('');
}
