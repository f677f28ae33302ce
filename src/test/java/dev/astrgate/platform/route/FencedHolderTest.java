package dev.astrgate.platform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.store.StoreClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The dial-out holder in process against a real node's store (PostgreSQL): two simulated nodes' holders on one
 * Vert.x share the lock, the lease row and the connection map.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FencedHolderTest {
  private static final String KEY = "fenced_test";
  private static TestNode node;
  private static Vertx vertx;
  private static StoreClient store;

  /** A held platform that records what the holder asked of it; its row is {@code {n, pending}}. */
  static final class Recorder implements FencedHolder.Held {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile JsonObject restored;
    volatile long resumedGen = -1;
    volatile int storedWrites;
    long n;
    JsonArray pending = new JsonArray();

    @Override
    public JsonObject initial() {
      return new JsonObject().put("n", 0L).put("pending", new JsonArray());
    }

    @Override
    public void restore(JsonObject state) {
      calls.add("restore");
      restored = state.copy();
      n = state.getLong("n", 0L);
      pending = state.getJsonArray("pending", new JsonArray()).copy();
    }

    @Override
    public FencedHolder.Write capture() {
      return new FencedHolder.Write(new JsonObject().put("n", n).put("pending", pending.copy()), () -> storedWrites++);
    }

    @Override
    public void resume(long gen) {
      calls.add("resume");
      resumedGen = gen;
    }

    @Override
    public void release() {
      calls.add("release");
    }
  }

  /** One simulated node's holder, with its own routing unit and context. */
  record Side(FencedHolder holder, Recorder held, PlatformRouting routing, Context context) {
    <T> T on(Callable<Future<T>> op) {
      Promise<T> p = Promise.promise();
      context.runOnContext(v -> {
        try {
          op.call().onComplete(p);
        } catch (Exception e) {
          p.fail(e);
        }
      });
      return TestNode.await(p.future());
    }
  }

  @BeforeAll
  static void setUp() {
    node = TestNode.start();
    vertx = node.node().vertx();
    store = new StoreClient(vertx);
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  private static Side side(String platformId, String nodeName) {
    PlatformRouting routing = new PlatformRouting(vertx, new ClusterInfo(vertx, nodeName,
        () -> List.of("node-a", "node-b")));
    TestNode.await(routing.start());
    Recorder held = new Recorder();
    Context context = vertx.getOrCreateContext();
    FencedHolder holder = new FencedHolder(vertx, platformId, KEY, store, routing, () -> context,
        send -> Future.succeededFuture(new SendRequest.Result(nodeName)), held,
        LoggerFactory.getLogger(FencedHolderTest.class), "test holder");
    return new Side(holder, held, routing, context);
  }

  /** A side that already holds the platform. */
  private static Side holding(String platformId, String nodeName) throws InterruptedException {
    Side s = side(platformId, nodeName);
    start(s);
    waitFor(() -> s.held().resumedGen > 0, nodeName + " resumes");
    return s;
  }

  /** Progress to {@code n} with one pending item {@code seq: n}, written under the current holdership. */
  private static void write(Side s, long n) {
    s.on(() -> {
      s.held().n = n;
      s.held().pending.add(new JsonObject().put("seq", n));
      s.holder().markDirty();
      return s.holder().flush(s.held().resumedGen);
    });
  }

  private static void start(Side s) {
    s.context().runOnContext(v -> s.holder().start());
  }

  private static void stop(Side s) {
    s.on(() -> {
      s.holder().stop();
      return Future.succeededFuture();
    });
  }

  private static void waitFor(Supplier<Boolean> cond, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!cond.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static JsonObject row(String platformId) {
    return TestNode.await(store.preference(FencedHolder.SCOPE, platformId, KEY));
  }

  @Test
  void theHolderRestoresTheRowThenServesAndResumesAndItsWritesLand() throws Exception {
    String id = "fh-" + UUID.randomUUID();
    Side a = holding(id, "node-a");
    assertEquals(List.of("restore", "resume"), a.held().calls);
    assertEquals(0L, a.held().restored.getLong("n"));
    long lease = a.holder().lease();
    assertTrue(lease > 0, "a lease was taken");
    OwnerEntry entry = TestNode.await(a.routing().owners().entry(id));
    assertEquals("node-a", entry.node());
    assertEquals(lease, entry.epoch());
    assertTrue(entry.poller());

    write(a, 7);
    JsonObject stored = row(id);
    assertEquals(7L, stored.getLong("n"));
    assertEquals(1, stored.getJsonArray("pending").size());
    assertEquals(lease, stored.getLong("lease"));
    assertEquals(1, a.held().storedWrites);

    // Nothing changed: no write, and nothing counts as newly stored.
    a.on(() -> a.holder().flush(a.held().resumedGen));
    assertEquals(1, a.held().storedWrites);
    stop(a);
    assertFalse(a.holder().leading());
    waitFor(() -> TestNode.await(a.routing().owners().entry(id)) == null, "node-a's entry released");
  }

  @Test
  void aTakeoverFindsThePendingWorkAndRaisesTheLease() throws Exception {
    String id = "fh-" + UUID.randomUUID();
    Side a = holding(id, "node-a");
    Side b = side(id, "node-b");
    start(b);
    write(a, 3);
    assertTrue(b.held().calls.isEmpty(), "node-b waits for the lock");
    long leaseA = a.holder().lease();
    stop(a);
    assertEquals(List.of("restore", "resume", "release"), a.held().calls);

    waitFor(() -> b.held().resumedGen > 0, "node-b takes over");
    assertEquals(List.of("restore", "resume"), b.held().calls);
    assertEquals(3L, b.held().restored.getLong("n"));
    assertEquals(new JsonArray().add(new JsonObject().put("seq", 3L)), b.held().restored.getJsonArray("pending"));
    assertTrue(b.holder().lease() > leaseA, "the new holder raised the lease");
    waitFor(() -> {
      OwnerEntry e = TestNode.await(b.routing().owners().entry(id));
      return e != null && "node-b".equals(e.node());
    }, "node-b's entry");
    stop(b);
  }

  @Test
  void aDeposedHolderCannotWriteAndStepsDown() throws Exception {
    String id = "fh-" + UUID.randomUUID();
    Side a = holding(id, "node-a");
    long gen = a.held().resumedGen;
    // Another holder took the row (as after a pause longer than the lock's life).
    JsonObject taken = TestNode.await(store.bumpLease(FencedHolder.SCOPE, id, KEY, new JsonObject()));
    String failure = a.on(() -> {
      a.held().n = 99;
      a.holder().markDirty();
      return a.holder().flush(gen).transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause().getMessage() : "ok"));
    });
    assertEquals("lease lost", failure);
    assertFalse(a.holder().current(gen));
    assertTrue(a.held().calls.contains("release"));
    JsonObject row = row(id);
    assertEquals(0L, row.getLong("n"), "the deposed write did not land");
    assertTrue(row.getLong("lease") >= taken.getLong("lease"), "the deposed holder did not lower the lease");
    stop(a);
  }
}
