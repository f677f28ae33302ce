package dev.astrgate.platform.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.Umo;
import dev.astrgate.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ownership units in process: three simulated nodes (own node ids, routing units and ownership state) on one
 * Vert.x, so the bus, the map and the notices are real, and fake links stand in for the protocol ends' sockets.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OwnershipTest {
  private static final String ID = "qq";
  private Vertx vertx;
  private final List<String> members = new CopyOnWriteArrayList<>(List.of("node-a", "node-b", "node-c"));
  private PlatformRouting routingA;
  private PlatformRouting routingB;
  private PlatformRouting routingC;
  private InboundOwnership a;
  private InboundOwnership b;

  /** A connection as ownership sees it: it records what it delivered. */
  static final class FakeLink implements InboundOwnership.Link {
    final String id = UUID.randomUUID().toString();
    final List<SendRequest> delivered = new CopyOnWriteArrayList<>();
    final Context context;

    FakeLink(Vertx vertx) {
      context = vertx.getOrCreateContext();
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Future<SendRequest.Result> deliver(SendRequest send) {
      delivered.add(send);
      return Future.succeededFuture(new SendRequest.Result(id));
    }

    @Override
    public Context context() {
      return context;
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    routingA = routing("node-a");
    routingB = routing("node-b");
    routingC = routing("node-c");
    a = new InboundOwnership(vertx, vertx.getOrCreateContext(), ID, routingA);
    b = new InboundOwnership(vertx, vertx.getOrCreateContext(), ID, routingB);
    TestNode.await(Future.all(a.start(), b.start()));
  }

  @AfterEach
  void tearDown() {
    TestNode.await(vertx.close());
  }

  private PlatformRouting routing(String node) {
    PlatformRouting r = new PlatformRouting(vertx, new ClusterInfo(vertx, node, () -> List.copyOf(members)));
    TestNode.await(r.start());
    return r;
  }

  private OwnerEntry entry() {
    return TestNode.await(routingC.owners().entry(ID));
  }

  private static void waitFor(Supplier<Boolean> cond, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cond.get()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static SendRequest send(String text) {
    return SendRequest.to(Umo.parse("qq:FriendMessage:42"),
        new JsonArray().add(new JsonObject().put("type", "plain").put("text", text)));
  }

  private void awaitOwner(InboundOwnership o, FakeLink link) throws InterruptedException {
    waitFor(() -> "owner".equals(o.state()) && entry() != null && link.id.equals(entry().connectionId()),
        link.id + " owns, entry " + entry());
  }

  /** node-a's connection, then node-b's newer one, which owns; node-a's is a standby. */
  private FakeLink[] olderOnAThenNewerOnB() throws InterruptedException {
    FakeLink older = new FakeLink(vertx);
    a.opened(older);
    awaitOwner(a, older);
    FakeLink newer = new FakeLink(vertx);
    b.opened(newer);
    awaitOwner(b, newer);
    waitFor(() -> "standby".equals(a.state()), "node-a standby");
    return new FakeLink[] {older, newer};
  }

  @Test
  void aNewerConnectionTakesAHigherEpochAndTheOlderOneStandsBy() throws Exception {
    FakeLink first = new FakeLink(vertx);
    a.opened(first);
    awaitOwner(a, first);
    long epoch1 = entry().epoch();
    FakeLink second = new FakeLink(vertx);
    b.opened(second);
    awaitOwner(b, second);
    assertTrue(entry().epoch() > epoch1, "epoch " + entry().epoch() + " after " + epoch1);
    assertEquals("node-b", entry().nodeId());
    waitFor(() -> "standby".equals(a.state()), "node-a standby");
    SendRequest.Result r = TestNode.await(routingC.send(send("to the newest")));
    assertEquals(second.id, r.messageId());
    assertTrue(first.delivered.isEmpty());
  }

  @Test
  void aLateTeardownOfTheOldConnectionLeavesTheNewOwner() throws Exception {
    FakeLink[] links = olderOnAThenNewerOnB();
    FakeLink old = links[0];
    FakeLink fresh = links[1];
    OwnerEntry owner = entry();
    // The old connection's close arrives only now (#10154): compare-and-delete must not touch the new entry.
    a.closed(old);
    waitFor(() -> "idle".equals(a.state()), "node-a idle");
    Thread.sleep(200);
    assertEquals(owner, entry());
    assertEquals(fresh.id, TestNode.await(routingA.send(send("still the new one"))).messageId());
  }

  @Test
  void aStaleVacantNoticeDoesNotUnseatANewOwner() throws Exception {
    FakeLink[] links = olderOnAThenNewerOnB();
    FakeLink standby = links[0];
    FakeLink owner = links[1];
    OwnerEntry current = entry();
    // A vacant notice for an entry that is already gone, racing the new owner: node-a's standby tries to take over,
    // but putIfAbsent finds the owner's entry, so nothing changes.
    vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP.name(),
        OwnershipNotice.vacant(ID, new OwnerEntry("node-a", "node-a", standby.id, 1, null, false)).toJson());
    Thread.sleep(300);
    assertEquals(current, entry());
    assertEquals("owner", b.state());
    assertEquals("standby", a.state());
    assertEquals(owner.id, TestNode.await(routingC.send(send("after the stale notice"))).messageId());
  }

  @Test
  void theVacantNoticeOfARealReleaseHandsOverToTheStandby() throws Exception {
    FakeLink[] links = olderOnAThenNewerOnB();
    FakeLink standby = links[0];
    FakeLink owner = links[1];
    long epoch = entry().epoch();
    b.closed(owner);
    awaitOwner(a, standby);
    assertTrue(entry().epoch() > epoch);
    assertEquals("idle", b.state());
    assertEquals(standby.id, TestNode.await(routingC.send(send("to the promoted standby"))).messageId());
  }

  @Test
  void aSendAddressedToAStaleOwnerReachesTheCurrentOne() throws Exception {
    FakeLink[] links = olderOnAThenNewerOnB();
    FakeLink old = links[0];
    FakeLink current = links[1];
    // node-c still believes node-a owns the platform (a late owner notice): node-a no longer takes sends, so the
    // request finds no handler there and goes to whoever holds the platform's address.
    vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP.name(),
        OwnershipNotice.owner(ID, new OwnerEntry("node-a", "node-a", old.id, 1, null, false)).toJson());
    Thread.sleep(100);
    assertEquals(current.id, TestNode.await(routingC.send(send("via a stale address"))).messageId());
    assertTrue(old.delivered.isEmpty());
  }

  @Test
  void theEntryOfADeadMemberIsRemovedAndAStandbyTakesOver() throws Exception {
    FakeLink[] links = olderOnAThenNewerOnB();
    FakeLink standby = links[0];
    FakeLink owner = links[1];
    long epoch = entry().epoch();
    // node-b leaves the membership without a word: node-a's reconcile sees an entry of a non-member and takes over.
    members.remove("node-b");
    awaitOwner(a, standby);
    assertTrue(entry().epoch() > epoch);
    assertEquals(standby.id, TestNode.await(routingC.send(send("after the member left"))).messageId());
  }

  @Test
  void noHolderMeansNotRunning() {
    Throwable err = TestNode.await(routingC.send(SendRequest.to(Umo.parse("nobody:FriendMessage:1"),
        new JsonArray())).<Throwable>map(ok -> null).otherwise(e -> e));
    assertTrue(err instanceof SendError e && e.kind() == SendError.Kind.NOT_RUNNING, String.valueOf(err));
    assertEquals(false, TestNode.await(routingC.running("nobody")));
    assertNull(TestNode.await(routingC.owners().entry("nobody")));
  }
}
