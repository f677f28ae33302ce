package dev.astrgate.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback between a node and its PostgreSQL that can fail the way networks and servers do:
 * {@link Mode#REFUSE} closes every connection and stops listening (connects are refused), {@link Mode#BLACK_HOLE}
 * accepts and keeps connections but drops every byte both ways (a partition with packets held), {@link Mode#SLOW}
 * delays every packet by {@code slowMs}. {@link Mode#PASS} heals: bytes flow again, new connections are accepted.
 */
public final class FaultProxy implements AutoCloseable {
  /** What the proxy does to traffic now. */
  public enum Mode { PASS, REFUSE, BLACK_HOLE, SLOW }

  private final int port;
  private final String targetHost;
  private final int targetPort;
  private final long slowMs;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = Mode.PASS;
  private volatile ServerSocket server;

  public FaultProxy(String targetHost, int targetPort, long slowMs) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.slowMs = slowMs;
    this.port = TestNode.freePort();
    listen();
  }

  public int port() {
    return port;
  }

  public synchronized void mode(Mode next) {
    Mode previous = mode;
    mode = next;
    if (next == Mode.REFUSE) {
      closeQuietly(server);
      server = null;
      open.forEach(FaultProxy::closeQuietly);
      open.clear();
    } else if (previous == Mode.REFUSE) {
      listen();
    }
  }

  private void listen() {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
      server = s;
      Thread t = new Thread(() -> accept(s), "fault-proxy-accept");
      t.setDaemon(true);
      t.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        if (mode == Mode.REFUSE) {
          closeQuietly(client);
          continue;
        }
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(targetHost, targetPort), 2000);
        open.add(client);
        open.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        if (s.isClosed()) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          Mode m = mode;
          if (m == Mode.BLACK_HOLE) {
            continue;
          }
          if (m == Mode.SLOW) {
            Thread.sleep(slowMs);
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // one side went away: take the other with it
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "fault-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closeQuietly(server);
    open.forEach(FaultProxy::closeQuietly);
  }
}
