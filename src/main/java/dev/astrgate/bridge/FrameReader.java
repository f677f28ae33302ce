package dev.astrgate.bridge;

import io.vertx.core.buffer.Buffer;

/**
 * Splits a bridge byte stream into frames (4-byte big-endian length, then that many bytes). A frame longer than the
 * limit is reported and its bytes are skipped as they arrive, never buffered, so the stream stays in step and the
 * connection goes on. Not thread-safe: feed it from the socket's context.
 */
final class FrameReader {
  /** Where frames go. */
  interface Sink {
    void frame(Buffer payload);

    void oversized(long length);
  }

  private final int maxBytes;
  private final Sink sink;
  private Buffer pending;
  private long skip;

  FrameReader(int maxBytes, Sink sink) {
    this.maxBytes = maxBytes;
    this.sink = sink;
  }

  void feed(Buffer chunk) {
    int off = 0;
    if (skip > 0) {
      int n = (int) Math.min(skip, chunk.length());
      skip -= n;
      off = n;
      if (off == chunk.length()) {
        return;
      }
    }
    Buffer data;
    if (pending == null) {
      data = chunk;
    } else {
      data = pending.appendBuffer(chunk, off, chunk.length() - off);
      off = 0;
    }
    while (data.length() - off >= 4) {
      long length = data.getUnsignedInt(off);
      if (length > maxBytes) {
        off += 4;
        sink.oversized(length);
        long available = data.length() - off;
        if (available >= length) {
          off += (int) length;
          continue;
        }
        skip = length - available;
        off = data.length();
        break;
      }
      if (data.length() - off - 4 < length) {
        break;
      }
      sink.frame(data.getBuffer(off + 4, off + 4 + (int) length));
      off += 4 + (int) length;
    }
    if (off == data.length()) {
      pending = null;
    } else if (data != pending || off > 0) {
      pending = Buffer.buffer(data.length() - off).appendBuffer(data, off, data.length() - off);
    }
  }

  /** Bytes held for an incomplete frame. */
  int buffered() {
    return pending == null ? 0 : pending.length();
  }
}
