package dev.astrgate.support;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Bytes exactly as written on a loopback socket, for requests an HTTP client library would refuse or tidy up
 * (odd paths, broken framing). Blocking; call it from the test thread.
 */
public final class RawHttp {
  private RawHttp() {
  }

  /** What came back: the status (0 when the server closed without one), the head and the body as text. */
  public record Reply(int status, String head, String body, boolean timedOut, long millis) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    @Override
    public String toString() {
      return "status=" + status + " timedOut=" + timedOut + " ms=" + millis + "\n" + head + "\n\n"
          + (body.length() > 500 ? body.substring(0, 500) + "…" : body);
    }
  }

  /** A GET with a key header and {@code Connection: close}. */
  public static Reply request(int port, String method, String target, String key) {
    String req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (key == null ? "" : "X-API-Key: " + key + "\r\n")
        + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    return send(port, req.getBytes(StandardCharsets.UTF_8), 10_000);
  }

  /** Writes {@code bytes}, then reads until the server closes, the head plus Content-Length is in, or {@code timeoutMs}. */
  public static Reply send(int port, byte[] bytes, int timeoutMs) {
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(timeoutMs);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // The server may answer and close before reading everything; read what it said.
      }
      return read(s.getInputStream(), t0, timeoutMs, new String(bytes, 0, Math.min(5, bytes.length),
          StandardCharsets.ISO_8859_1).startsWith("HEAD "));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Reply read(InputStream in, long t0, int timeoutMs, boolean headOnly) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    boolean timedOut = false;
    try {
      while (true) {
        if ((System.nanoTime() - t0) / 1_000_000 > timeoutMs) {
          timedOut = true;
          break;
        }
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        got.write(buf, 0, n);
        String sofar = got.toString(StandardCharsets.ISO_8859_1);
        if (complete(sofar) || headOnly && sofar.contains("\r\n\r\n")) {
          break;
        }
      }
    } catch (SocketTimeoutException e) {
      timedOut = true;
    } catch (IOException e) {
      // reset by the server: what was read is the answer
    }
    String text = got.toString(StandardCharsets.UTF_8);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/") || end < 0) {
      return new Reply(0, text, "", timedOut, ms);
    }
    String head = text.substring(0, end);
    int status = Integer.parseInt(head.substring(9, 12));
    return new Reply(status, head, text.substring(end + 4), timedOut, ms);
  }

  /** A whole answer with a Content-Length is in; anything else waits for the close. */
  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    String head = text.substring(0, end).toLowerCase(Locale.ROOT);
    int at = head.indexOf("\r\ncontent-length:");
    if (at < 0) {
      return false;
    }
    int eol = head.indexOf("\r\n", at + 2);
    long len = Long.parseLong(head.substring(at + "\r\ncontent-length:".length(), eol < 0 ? head.length() : eol).trim());
    return text.getBytes(StandardCharsets.ISO_8859_1).length - end - 4 >= len;
  }
}
