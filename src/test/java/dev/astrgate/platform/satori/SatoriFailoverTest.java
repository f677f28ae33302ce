package dev.astrgate.platform.satori;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.FakeSatori;
import dev.astrgate.fakes.FakeSatori.Generation;
import dev.astrgate.fakes.FakeSatori.Login;
import dev.astrgate.fakes.RecordedRequest;
import dev.astrgate.support.Http;
import dev.astrgate.support.NodeProcesses;
import dev.astrgate.support.NodeProcesses.NodeProcess;
import dev.astrgate.support.TestDatabase;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two full gateway nodes (api, chat, platforms), each its own JVM, clustered on loopback over one PostgreSQL, with a
 * Satori platform: exactly one holds the connection; after {@code kill -9} of the holder, the other takes over,
 * finishes the event the dead node was still answering, and resumes from the stored sn, so every message gets
 * exactly one answer.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SatoriFailoverTest {
  static final String TOKEN = "sat-cluster-" + System.nanoTime();
  static final String ID = "satori-ha";
  private static Vertx vertx;
  private static FakeOpenAi llm;
  private static FakeSatori satori;
  private static NodeProcesses cluster;
  private static NodeProcess a;
  private static NodeProcess b;
  private static Http http;
  private static final List<RecordedRequest> sent = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    llm = TestNode.await(FakeOpenAi.start(vertx));
    llm.script(FakeReply.tokens("answer"));
    satori = new FakeSatori(vertx, TOKEN, Generation.CURRENT, List.of(new Login("discord", "bot-ha", "HA")));
    TestNode.await(satori.start());
    TestNode.await(vertx.executeBlocking(TestDatabase::url));
    JsonObject conf = dev.astrgate.chat.ChatStreamTestConf.conf(llm.baseUrl()).put("platform", new JsonArray()
        .add(new JsonObject().put("id", ID).put("type", "satori").put("enable", true)
            .put("satori_api_base_url", satori.apiBase()).put("satori_endpoint", satori.endpoint())
            .put("satori_token", TOKEN).put("satori_heartbeat_interval", 1).put("satori_reconnect_delay", 1)));
    cluster = new NodeProcesses();
    Map<String, String> full = Map.of("ASTRGATE_ROLES", "api,chat,platforms");
    a = cluster.launch("sat-a", conf, full);
    b = cluster.launch("sat-b", conf, full);
    cluster.awaitReady(2, 150_000, a, b);
    http = new Http(vertx, cluster.key());
  }

  @AfterAll
  static void tearDown() {
    if (http != null) {
      http.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    TestNode.await(satori.close());
    TestNode.await(llm.close());
    TestNode.await(vertx.close());
  }

  private static String state(NodeProcess n) {
    JsonObject r = cluster.readyz(n);
    return r == null ? null : r.getJsonObject("platforms", new JsonObject()).getString(ID);
  }

  private static void waitFor(Supplier<Boolean> cond, long ms, Supplier<String> what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!cond.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out: " + what.get());
      }
      Thread.sleep(50);
    }
  }

  /** Answers sent to a channel so far (drains the fake's queue into {@link #sent}). */
  private static long answersTo(String channel) {
    RecordedRequest r;
    try {
      while ((r = satori.nextSend(0)) != null) {
        sent.add(r);
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return sent.stream().filter(s -> channel.equals(s.body().getString("channel_id"))).count();
  }

  private static long llmAsked(String text) {
    return llm.requests().stream().filter(r -> r.body().encode().contains(text)).count();
  }

  @Test
  void holderDiesMidAnswerAndTheOtherNodeResumesWithoutLossOrDuplicates() throws Exception {
    waitFor(() -> "owner".equals(state(a)) || "owner".equals(state(b)), 30_000,
        () -> "a holder: a=" + state(a) + " b=" + state(b));
    NodeProcess holder = "owner".equals(state(a)) ? a : b;
    NodeProcess other = holder == a ? b : a;
    assertEquals("standby", state(other));
    assertEquals(1, satori.maxReady(), "one Satori connection for the whole cluster");

    satori.message(0, "c1", null, "u1", "eve", "message one");
    waitFor(() -> answersTo("c1") == 1, 30_000, () -> "answer to one, sent " + sent);
    // A proactive send through the standby node reaches the holder's connection.
    HttpResponse<Buffer> r = http.imMessage(other.port, new JsonObject()
        .put("umo", ID + ":FriendMessage:c9").put("message", "from the standby"));
    assertEquals(200, r.statusCode(), r.bodyAsString());
    waitFor(() -> answersTo("c9") == 1, 10_000, () -> "proactive send");

    // Message two: the holder stores it and asks the LLM, which takes its time; the holder dies meanwhile.
    llm.nextReply(FakeReply.tokens("too", "late").delayMs(20_000));
    long two = satori.message(0, "c2", null, "u2", "eve", "message two");
    waitFor(() -> llmAsked("message two") == 1, 30_000, () -> "the LLM asked about two");
    holder.kill();
    long killedAt = System.currentTimeMillis();
    // Message three happens while no node is connected: only a resume from the stored sn delivers it.
    long three = satori.message(0, "c3", null, "u3", "eve", "message three");

    JsonObject identify;
    do {
      identify = satori.nextIdentify(60);
      assertNotNull(identify, "the surviving node never connected; " + NodeProcesses.tail(other));
    } while (!identify.containsKey("sn") || identify.getLong("sn") < two);
    long takeoverMs = System.currentTimeMillis() - killedAt;
    assertEquals(two, identify.getLong("sn"), "resumes after the last stored event");
    waitFor(() -> "owner".equals(state(other)), 30_000, () -> "survivor state " + state(other));
    waitFor(() -> answersTo("c2") == 1 && answersTo("c3") == 1, 60_000, () -> "answers to two and three; sent " + sent + "\n" + NodeProcesses.tail(other));
    System.out.printf("satori failover: %s connected %d ms after %s was killed (sn %d, three was %d)%n",
        other.name, takeoverMs, holder.name, two, three);
    // The event the dead node was answering was handed to the pipeline again; nothing was answered twice.
    assertEquals(2, llmAsked("message two"));
    assertEquals(1, llmAsked("message one"));
    Thread.sleep(2_000);
    assertEquals(1, answersTo("c1"));
    assertEquals(1, answersTo("c2"));
    assertEquals(1, answersTo("c3"));
    assertTrue(satori.openSockets() <= 1, "one connection after the failover");
  }
}
