package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.NodeProcesses;
import dev.astrgate.support.NodeProcesses.NodeProcess;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The turn's rows are written alongside the stream, yet every event that speaks of a row comes after its commit.
 * Commits are made slow on purpose: a deferred constraint trigger sleeps 400 ms at commit for history rows whose
 * content carries the marker, so an event sent before its commit would find the row still invisible (or lost to
 * a kill -9).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class TurnDurabilityTest {
  private static final String MARK = "slowcommit";

  private static FakeOpenAi openai;
  private static TestNode node;
  private static SseClient sse;
  private static String key;

  @BeforeAll
  static void setUp(Vertx vertx) {
    openai = TestNode.await(FakeOpenAi.start(vertx));
    node = TestNode.start(Map.of(), ChatStreamTestConf.conf(openai.baseUrl()));
    sse = new SseClient(vertx, node.port());
    key = node.createKey();
    Pool pool = node.pool();
    TestNode.await(pool.query("CREATE OR REPLACE FUNCTION astrgate_test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
        + " BEGIN IF NEW.content::text LIKE '%" + MARK + "%' THEN PERFORM pg_sleep(0.4); END IF; RETURN NULL; END $$").execute());
    TestNode.await(pool.query("DROP TRIGGER IF EXISTS astrgate_test_slow_commit ON platform_message_history").execute());
    TestNode.await(pool.query("CREATE CONSTRAINT TRIGGER astrgate_test_slow_commit AFTER INSERT ON platform_message_history"
        + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION astrgate_test_slow_commit()").execute());
  }

  @BeforeEach
  void reset() {
    openai.reset();
  }

  @AfterAll
  static void tearDown() {
    TestNode.await(node.pool().query("DROP TRIGGER IF EXISTS astrgate_test_slow_commit ON platform_message_history").execute());
    node.close();
    TestNode.await(openai.close());
  }

  private static List<Row> history(Pool pool, String sessionId) {
    List<Row> out = new ArrayList<>();
    TestNode.await(pool.preparedQuery("SELECT id, sender_id, content FROM platform_message_history WHERE user_id = $1 ORDER BY id")
        .execute(Tuple.of(sessionId))).forEach(out::add);
    return out;
  }

  /** Runs one turn; at message_saved and at end reads, from another connection, what is committed by then. */
  private static Map<String, Object> turnWatchingCommits(JsonObject body) {
    Promise<Boolean> savedVisible = Promise.promise();
    Promise<Integer> rowsAtEnd = Promise.promise();
    String[] session = new String[1];
    SseClient.Result r = TestNode.await(sse.post(key, body, (ev, req) -> {
      switch (ev.getString("type")) {
        case "session_id" -> session[0] = ev.getString("session_id");
        case "message_saved" -> node.pool().preparedQuery("SELECT 1 FROM platform_message_history WHERE id = $1")
            .execute(Tuple.of(ev.getJsonObject("data").getLong("id")))
            .onComplete(ar -> savedVisible.complete(ar.succeeded() && ar.result().size() == 1));
        case "end" -> node.pool().preparedQuery("SELECT count(*) FROM platform_message_history WHERE user_id = $1")
            .execute(Tuple.of(session[0]))
            .onComplete(ar -> rowsAtEnd.complete(ar.succeeded() ? ar.result().iterator().next().getInteger(0) : -1));
        default -> { }
      }
    }));
    assertEquals(200, r.status(), r.raw());
    return Map.of("saved", TestNode.await(savedVisible.future()), "end", TestNode.await(rowsAtEnd.future()),
        "session", session[0], "types", r.types());
  }

  @Test
  void messageSavedAndEndComeOnlyAfterTheirRowsAreCommitted() {
    // A session the gateway makes (its rows are written alongside the upstream call) and one the client names.
    for (JsonObject body : List.of(
        new JsonObject().put("username", "dora").put("message", MARK + " generated"),
        new JsonObject().put("username", "dora").put("session_id", "s-" + UUID.randomUUID()).put("message", MARK + " named"))) {
      openai.nextReply(FakeReply.tokens(MARK, "-answer"));
      Map<String, Object> seen = turnWatchingCommits(body);
      assertEquals(List.of("session_id", "plain", "plain", "agent_stats", "complete", "message_saved", "end"), seen.get("types"));
      assertEquals(true, seen.get("saved"), "the row message_saved announced was committed before the event");
      assertEquals(2, seen.get("end"), "user and bot rows were committed before end");
    }
  }

  @Test
  void twoTurnsOfOneSessionKeepTheirOrder() {
    String s = "s-" + UUID.randomUUID();
    openai.nextReply(FakeReply.tokens("one-a", "one-b").delayMs(150));
    openai.nextReply(FakeReply.tokens("two-a", "two-b"));
    Promise<Void> firstStreaming = Promise.promise();
    Future<SseClient.Result> one = sse.post(key, new JsonObject().put("username", "dora").put("session_id", s)
        .put("message", "first"), (ev, req) -> {
          if ("plain".equals(ev.getString("type"))) {
            firstStreaming.tryComplete();
          }
        });
    // The second turn arrives while the first is streaming: it waits for the first, then sees its answer.
    Future<SseClient.Result> two = firstStreaming.future()
        .compose(v -> sse.post(key, new JsonObject().put("username", "dora").put("session_id", s).put("message", "second")));
    TestNode.await(Future.all(one, two));
    assertTrue(one.result().raw().contains("one-aone-b"), one.result().raw());
    assertTrue(two.result().raw().contains("two-atwo-b"), two.result().raw());
    JsonArray sent = openai.requests().get(1).body().getJsonArray("messages");
    assertEquals(List.of("first", "one-aone-b", "second"),
        sent.stream().map(m -> ((JsonObject) m).getString("content")).toList().subList(sent.size() - 3, sent.size()));
    List<Row> rows = history(node.pool(), s);
    List<String> order = new ArrayList<>();
    for (Row row : rows) {
      JsonObject c = (JsonObject) row.getValue("content");
      order.add(c.getString("type") + ":" + c.getJsonArray("message").getJsonObject(0).getString("text"));
    }
    assertEquals(List.of("user:first", "user:second", "bot:one-aone-b", "bot:two-atwo-b"), order,
        "user rows in arrival order, bot rows in the order the turns ran");
  }

  /** The node in its own JVM, killed with SIGKILL the moment the client has read end: both rows are there. */
  @Test
  void aStreamThatEndedKeepsBothRowsWhenTheNodeIsKilledRightAfterEnd() throws Exception {
    try (NodeProcesses cluster = new NodeProcesses()) {
      NodeProcess n = cluster.launch("durable", ChatStreamTestConf.conf(openai.baseUrl()),
          Map.of("ASTRGATE_ROLES", "api,chat,platforms"));
      cluster.awaitReady(1, 90_000, n);
      Vertx vertx = Vertx.vertx();
      try {
        SseClient client = new SseClient(vertx, n.port);
        for (JsonObject body : List.of(
            new JsonObject().put("username", "dora").put("message", MARK + " before a kill"),
            new JsonObject().put("username", "dora").put("session_id", "s-" + UUID.randomUUID()).put("message", MARK + " named"))) {
          if (!n.alive()) {
            n = cluster.launch("durable-" + UUID.randomUUID().toString().substring(0, 8),
                ChatStreamTestConf.conf(openai.baseUrl()), Map.of("ASTRGATE_ROLES", "api,chat,platforms"));
            cluster.awaitReady(1, 90_000, n);
            client = new SseClient(vertx, n.port);
          }
          openai.nextReply(FakeReply.tokens(MARK, "-kept"));
          Promise<String> ended = Promise.promise();
          String[] session = new String[1];
          client.post(cluster.key(), body, (ev, req) -> {
            if ("session_id".equals(ev.getString("type"))) {
              session[0] = ev.getString("session_id");
            } else if ("end".equals(ev.getString("type"))) {
              ended.tryComplete(session[0]);
            }
          });
          String sid = TestNode.await(ended.future());
          n.kill();
          List<Row> rows = history(node.pool(), sid);
          assertEquals(2, rows.size(), "user and bot rows survive a kill -9 right after end");
          assertEquals("user", ((JsonObject) rows.get(0).getValue("content")).getString("type"));
          JsonObject bot = (JsonObject) rows.get(1).getValue("content");
          assertEquals(MARK + "-kept", bot.getJsonArray("message").getJsonObject(0).getString("text"));
        }
      } finally {
        vertx.close();
      }
    }
  }
}
