package dev.astrgate.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.BridgeClient;
import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One node with the bridge on TLS, and bare bridge clients: ping timeout, attachments inline and by download, the
 * frame budget. The node lives for the whole class.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BridgeTest {
  private static Vertx vertx;
  private static TestNode node;
  private static int bridgePort;
  private static String platformKey;
  private static Http http;
  private static SocketFactory tls;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    bridgePort = TestNode.freePort();
    JsonObject conf = TestNode.defaultConf().put("platform", new JsonArray()
        .add(new JsonObject().put("id", "w1").put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", "w2").put("type", "worker").put("enable", true)
            .put("attachment_inline_max_bytes", 1000))
        .add(new JsonObject().put("id", "w3").put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", "w4").put("type", "worker").put("enable", true))
        .add(new JsonObject().put("id", "w5").put("type", "worker").put("enable", true)));
    node = TestNode.start(Map.of("ASTRGATE_BRIDGE_PORT", Integer.toString(bridgePort),
        "ASTRGATE_BRIDGE_TLS_CERT", cert.certificatePath(), "ASTRGATE_BRIDGE_TLS_KEY", cert.privateKeyPath(),
        "ASTRGATE_BRIDGE_PING_TIMEOUT_MS", "1500", "ASTRGATE_BRIDGE_MAX_FRAMES_PER_SECOND", "40"), conf);
    platformKey = node.createKey("platform");
    http = new Http(vertx, node.createKey());
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    tls = ssl.getSocketFactory();
  }

  @AfterAll
  static void tearDown() {
    http.close();
    node.close();
    TestNode.await(vertx.close());
  }

  private static BridgeClient client() throws Exception {
    return new BridgeClient(tls, bridgePort);
  }

  @Test
  void silenceForThePingTimeoutVacatesAndAnotherWorkerTakesOver() throws Exception {
    long firstEpoch;
    try (BridgeClient first = client()) {
      first.send(BridgeClient.claim(platformKey, "w1", "c1"));
      JsonObject ok = first.read();
      assertEquals("c1", ok.getString("address"), ok.encode());
      assertTrue(ok.getJsonObject("body").getBoolean("ok"));
      assertEquals(500, ok.getJsonObject("body").getLong("ping_interval_ms"));
      firstEpoch = ok.getJsonObject("body").getLong("epoch");
      try (BridgeClient second = client()) {
        second.send(BridgeClient.claim(platformKey, "w1", "c2"));
        assertEquals(409, second.read().getInteger("failureCode"));
      }
      // No ping: the node drops the connection and releases the platform.
      JsonObject gone = first.read();
      assertEquals("ping_timeout", gone.getString("message"), gone.encode());
      assertTrue(first.closedByPeer());
    }
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", "w1:FriendMessage:u")
        .put("message", "anyone?"));
    assertEquals(404, r.statusCode(), r.bodyAsString());
    assertEquals("Bot not found or not running for platform: w1", r.bodyAsJsonObject().getString("message"));
    try (BridgeClient next = client()) {
      next.send(BridgeClient.claim(platformKey, "w1", "c3"));
      JsonObject ok = next.read().getJsonObject("body");
      assertTrue(ok.getLong("epoch") > firstEpoch, ok.encode());
    }
  }

  @Test
  void keysCreateWithThePlatformScopeMakesAWorkerKeyThatOpensNoHttpRoute() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    int code = new picocli.CommandLine(new dev.astrgate.Main()).setOut(new java.io.PrintWriter(out, true))
        .execute("keys", "create", "--name", "worker", "--scopes", "platform,bogus", "--database-url",
            dev.astrgate.support.TestDatabase.url(), "--data-dir", node.dir().resolve("cli").toString());
    assertEquals(0, code, out.toString());
    assertTrue(out.toString().contains("scopes:   platform\n"), out.toString());
    String key = out.toString().strip().lines().reduce((x, y) -> y).orElseThrow();
    try (BridgeClient w = client()) {
      w.send(BridgeClient.claim(key, "w4", "k"));
      JsonObject answer = w.read();
      assertEquals("w4", answer.getJsonObject("body").getString("platform_id"), answer.encode());
    }
    HttpResponse<Buffer> r = TestNode.await(io.vertx.ext.web.client.WebClient.create(vertx)
        .get(node.port(), "127.0.0.1", "/api/v1/im/bots").putHeader("X-API-Key", key).send());
    assertEquals(403, r.statusCode());
    assertEquals("Insufficient API key scope", r.bodyAsJsonObject().getString("message"));
  }

  @Test
  void revokingTheKeyDropsItsWorkerAndFreesThePlatform() throws Exception {
    String key = node.createKey("platform");
    try (BridgeClient w = client()) {
      w.send(BridgeClient.claim(key, "w5", "c"));
      assertTrue(w.read().getJsonObject("body").getBoolean("ok"));
      w.send(new JsonObject().put("type", "ping"));
      assertEquals("pong", w.read().getString("type"));
      assertEquals(dev.astrgate.store.KeyRepository.Revocation.REVOKED,
          TestNode.await(new dev.astrgate.store.KeyRepository(node.pool()).revoke(node.keyIdOf(key))));
      JsonObject gone = w.read();
      assertEquals("key_revoked", gone.getString("message"), gone.encode());
      assertTrue(w.closedByPeer());
    }
    HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", "w5:FriendMessage:u")
        .put("message", "anyone?"));
    assertEquals(404, r.statusCode(), r.bodyAsString());
  }

  @Test
  void aSilentUnauthenticatedConnectionIsClosed() throws Exception {
    try (BridgeClient idle = client()) {
      assertEquals("ping_timeout", idle.read().getString("message"));
      assertTrue(idle.closedByPeer());
    }
  }

  @Test
  void attachmentsTravelInlineOrByDownload() throws Exception {
    byte[] small = new byte[600];
    byte[] big = new byte[50_000];
    new SecureRandom().nextBytes(small);
    new SecureRandom().nextBytes(big);
    String smallId = http.upload(node.port(), "dot.png", "image/png", small);
    String bigId = http.upload(node.port(), "report.pdf", "application/pdf", big);
    try (BridgeClient w = client()) {
      w.send(BridgeClient.claim(platformKey, "w2", "c"));
      assertTrue(w.read().getJsonObject("body").getBoolean("ok"));
      w.send(new JsonObject().put("type", "register").put("address", "astrgate.worker.send"));
      CompletableFuture<HttpResponse<Buffer>> sent = CompletableFuture.supplyAsync(() -> http.imMessage(node.port(),
          new JsonObject().put("umo", "w2:GroupMessage:room").put("message", new JsonArray()
              .add(new JsonObject().put("type", "plain").put("text", "files:"))
              .add(new JsonObject().put("type", "image").put("attachment_id", smallId))
              .add(new JsonObject().put("type", "file").put("attachment_id", bigId)))));
      JsonObject msg = w.read();
      assertEquals("message", msg.getString("type"));
      assertEquals("astrgate.worker.send", msg.getString("address"));
      JsonObject send = msg.getJsonObject("body");
      assertEquals("w2:GroupMessage:room", send.getString("umo"));
      JsonArray parts = send.getJsonArray("parts");
      assertEquals("files:", parts.getJsonObject(0).getString("text"));
      JsonObject image = parts.getJsonObject(1);
      assertEquals("dot.png", image.getString("filename"));
      assertEquals("image/png", image.getString("mime_type"));
      assertArrayEquals(small, Base64.getDecoder().decode(image.getString("data")));
      JsonObject file = parts.getJsonObject(2);
      assertEquals(50_000, file.getLong("size"));
      assertNull(file.getValue("data"), "above the inline limit: by id only");
      w.send(new JsonObject().put("type", "send").put("address", msg.getString("replyAddress"))
          .put("body", new JsonObject().put("ok", true).put("message_id", "x1")));
      HttpResponse<Buffer> r = sent.get(10, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode(), r.bodyAsString());

      w.send(new JsonObject().put("type", "send").put("address", "astrgate.worker.attachment").put("replyAddress", "d1")
          .put("body", new JsonObject().put("attachment_id", file.getString("attachment_id"))));
      JsonObject download = w.read();
      assertEquals("d1", download.getString("address"));
      assertEquals("report.pdf", download.getJsonObject("body").getString("filename"));
      assertArrayEquals(big, Base64.getDecoder().decode(download.getJsonObject("body").getString("data")));
      w.send(new JsonObject().put("type", "send").put("address", "astrgate.worker.attachment").put("replyAddress", "d2")
          .put("body", new JsonObject().put("attachment_id", "nope")));
      JsonObject missing = w.read();
      assertEquals(404, missing.getInteger("failureCode"));
      assertEquals("attachment not found: nope", missing.getString("message"));
    }
  }

  @Test
  void framesOverTheBudgetWaitAndNoneIsLost() throws Exception {
    try (BridgeClient w = client()) {
      w.send(BridgeClient.claim(platformKey, "w3", "c"));
      assertTrue(w.read().getJsonObject("body").getBoolean("ok"));
      long t0 = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        w.send(new JsonObject().put("type", "ping"));
      }
      for (int i = 0; i < 100; i++) {
        assertEquals("pong", w.read().getString("type"));
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      // 101 frames at 40 per second: the last ones are read in the third one-second window.
      assertTrue(ms >= 1_900, "100 pings answered after " + ms + " ms");
      assertFalse(w.closedByPeerWithin(100));
    }
  }
}
