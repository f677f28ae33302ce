package dev.astrgate.support;

import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.SocketFactory;

/** A bare blocking TCP client speaking the bridge's frames, for frames no reference client would send. */
public final class BridgeClient implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;

  public BridgeClient(int port) throws IOException {
    this(SocketFactory.getDefault(), port);
  }

  public BridgeClient(SocketFactory factory, int port) throws IOException {
    socket = factory.createSocket("127.0.0.1", port);
    socket.setSoTimeout(15_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  /** A claim frame carrying {@code key} as a bearer token. */
  public static JsonObject claim(String key, String platformId, String reply) {
    return new JsonObject().put("type", "send").put("address", "astrgate.worker.claim").put("replyAddress", reply)
        .put("headers", new JsonObject().put("authorization", "Bearer " + key))
        .put("body", new JsonObject().put("platform_id", platformId).put("worker", "raw"));
  }

  public void send(JsonObject frame) throws IOException {
    sendRaw(frame.encode().getBytes(StandardCharsets.UTF_8));
  }

  public void sendRaw(byte[] payload) throws IOException {
    out.writeInt(payload.length);
    out.write(payload);
    out.flush();
  }

  public JsonObject read() throws IOException {
    int len = in.readInt();
    byte[] data = new byte[len];
    in.readFully(data);
    return new JsonObject(new String(data, StandardCharsets.UTF_8));
  }

  /** True once the peer has closed the connection (reads end of stream). */
  public boolean closedByPeer() throws IOException {
    try {
      return in.read() == -1;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  /** True when the peer closes within {@code ms}; false when the connection is still open then. */
  public boolean closedByPeerWithin(int ms) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout(ms);
    try {
      return in.read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    } finally {
      socket.setSoTimeout(before);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
