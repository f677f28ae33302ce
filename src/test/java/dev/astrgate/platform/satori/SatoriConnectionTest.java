package dev.astrgate.platform.satori;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeSatori;
import dev.astrgate.fakes.FakeSatori.Generation;
import dev.astrgate.fakes.FakeSatori.Login;
import dev.astrgate.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The socket state machine alone against the fake Satori server: identify, ready, events, pings, redials, close. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SatoriConnectionTest {
  private Vertx vertx;
  private FakeSatori satori;
  private WebSocketClient client;
  private Context context;
  private final LinkedBlockingQueue<JsonObject> readies = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final AtomicLong sn = new AtomicLong();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    satori = new FakeSatori(vertx, "tok", Generation.CURRENT, List.of(new Login("discord", "b1", "B")));
    TestNode.await(satori.start());
    client = vertx.createWebSocketClient();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() {
    TestNode.await(satori.close());
    TestNode.await(vertx.close());
  }

  private SatoriConnection connection(JsonObject extra) {
    JsonObject entry = new JsonObject().put("id", "s").put("satori_endpoint", satori.endpoint())
        .put("satori_token", "tok").put("satori_heartbeat_interval", 1).put("satori_reconnect_delay", 1).mergeIn(extra);
    return new SatoriConnection(vertx, client, SatoriOptions.of(entry), sn::get, readies::add, e -> {
      sn.set(SatoriCodec.sequence(e));
      events.add(e);
    });
  }

  private void on(Runnable r) {
    context.runOnContext(v -> r.run());
  }

  @Test
  void identifiesReceivesEventsPingsAndResumes() throws Exception {
    SatoriConnection c = connection(new JsonObject());
    on(c::open);
    JsonObject identify = satori.nextIdentify(10);
    assertEquals("tok", identify.getString("token"));
    assertFalse(identify.containsKey("sn"), "no sn before any event");
    assertEquals("b1", readies.poll(10, TimeUnit.SECONDS).getJsonArray("logins").getJsonObject(0)
        .getJsonObject("user").getString("id"));
    satori.message(0, "c", null, "u", "n", "one");
    satori.message(0, "c", null, "u", "n", "two");
    assertEquals(1L, SatoriCodec.sequence(events.poll(10, TimeUnit.SECONDS)));
    assertEquals(2L, SatoriCodec.sequence(events.poll(10, TimeUnit.SECONDS)));
    int pings = satori.pings();
    Thread.sleep(2_500);
    assertTrue(satori.pings() >= pings + 2, "a PING per second");
    satori.dropConnections();
    waitFor(() -> satori.openSockets() == 0);
    satori.message(0, "c", null, "u", "n", "three");
    JsonObject again = satori.nextIdentify(10);
    assertNotNull(again, "redialled after the drop");
    assertEquals(2L, again.getLong("sn"));
    assertEquals(3L, SatoriCodec.sequence(events.poll(10, TimeUnit.SECONDS)), "the missed event is replayed");
    on(c::close);
    waitFor(() -> satori.openSockets() == 0);
    satori.message(0, "c", null, "u", "n", "four");
    assertNull(events.poll(2, TimeUnit.SECONDS), "a closed connection delivers nothing");
    assertNull(satori.nextIdentify(2), "and does not dial again");
  }

  @Test
  void refusedDialsBackOffAndNoAutoReconnectStaysDown() throws Exception {
    SatoriConnection c = connection(new JsonObject().put("satori_token", "wrong"));
    on(c::open);
    assertNotNull(satori.nextIdentify(10));
    assertNotNull(satori.nextIdentify(10));
    long second = System.currentTimeMillis();
    assertNotNull(satori.nextIdentify(10));
    long third = System.currentTimeMillis();
    assertNotNull(satori.nextIdentify(10));
    long fourth = System.currentTimeMillis();
    // 1 s, 2 s, 4 s: the wait doubles (checked loosely: only that the later wait is the longer one).
    assertTrue(fourth - third > third - second, "back-off grows: " + (third - second) + " then " + (fourth - third));
    assertFalse(c.ready());
    on(c::close);

    SatoriConnection once = connection(new JsonObject().put("satori_auto_reconnect", false));
    on(once::open);
    assertNotNull(satori.nextIdentify(10));
    readies.poll(10, TimeUnit.SECONDS);
    satori.dropConnections();
    assertNull(satori.nextIdentify(3), "satori_auto_reconnect false: no redial");
  }

  private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out");
      }
      Thread.sleep(20);
    }
  }
}
