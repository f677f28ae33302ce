package dev.astrgate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.TestDatabase;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The group commit against a real PostgreSQL: statements of one task share one transaction, a bad statement costs
 * the others nothing, order is kept, and a caller hears of its row only once another connection can read it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class GroupCommitTest {
  private static final String INSERT = "INSERT INTO group_commit_probe (label) VALUES ($1) RETURNING seq, txid_current()";
  private static Pool pool;
  private static Pool reader;

  @BeforeAll
  static void setUp(Vertx vertx) {
    PgConnectOptions options = PgConnectOptions.fromUri(TestNode.await(vertx.executeBlocking(TestDatabase::url)));
    pool = StoreVerticle.createPool(vertx, options, 2);
    reader = StoreVerticle.createPool(vertx, options, 1);
    TestNode.await(pool.query("CREATE TABLE IF NOT EXISTS group_commit_probe (seq BIGSERIAL PRIMARY KEY,"
        + " label VARCHAR(20) NOT NULL CHECK (label <> 'bad'))").execute());
  }

  @AfterAll
  static void tearDown() {
    TestNode.await(pool.query("DROP TABLE group_commit_probe").execute());
    TestNode.await(Future.join(pool.close(), reader.close()));
  }

  /** Runs {@code submit} on one event-loop task of a fresh context and waits for every statement. */
  private static List<RowSet<Row>> inOneTask(Vertx vertx, List<String> labels) {
    GroupCommit group = new GroupCommit(pool);
    List<Future<RowSet<Row>>> all = new ArrayList<>();
    TestNode.await(Future.<Void>future(p -> vertx.getOrCreateContext().runOnContext(v -> {
      labels.forEach(l -> all.add(group.submit(INSERT, Tuple.of(l))));
      p.complete();
    })));
    TestNode.await(Future.join(new ArrayList<>(all)).otherwiseEmpty());
    List<RowSet<Row>> out = new ArrayList<>();
    all.forEach(f -> out.add(f.succeeded() ? f.result() : null));
    return out;
  }

  @Test
  void statementsOfOneTaskShareOneTransactionInOrder(Vertx vertx) {
    List<RowSet<Row>> rows = inOneTask(vertx, List.of("a", "b", "c", "d"));
    long tx = rows.get(0).iterator().next().getLong(1);
    long prev = 0;
    for (RowSet<Row> r : rows) {
      Row row = r.iterator().next();
      assertEquals(tx, row.getLong(1), "one transaction, so one commit, for the whole task");
      assertTrue(row.getLong(0) > prev, "rows keep their submission order");
      prev = row.getLong(0);
    }
    List<RowSet<Row>> later = inOneTask(vertx, List.of("e"));
    assertNotEquals(tx, later.get(0).iterator().next().getLong(1), "the next task is the next transaction");
  }

  @Test
  void aBadStatementCostsTheOthersNothing(Vertx vertx) {
    List<RowSet<Row>> rows = inOneTask(vertx, List.of("x1", "bad", "x2"));
    assertTrue(rows.get(0) != null && rows.get(2) != null, "the good rows are saved");
    assertEquals(null, rows.get(1), "the bad row fails alone");
    assertTrue(rows.get(0).iterator().next().getLong(0) < rows.get(2).iterator().next().getLong(0),
        "the retried rows keep their order");
    RowSet<Row> saved = TestNode.await(reader.query(
        "SELECT label FROM group_commit_probe WHERE label IN ('x1', 'bad', 'x2') ORDER BY seq").execute());
    List<String> labels = new ArrayList<>();
    saved.forEach(r -> labels.add(r.getString(0)));
    assertEquals(List.of("x1", "x2"), labels);
  }

  @Test
  void aCallerHearsOfItsRowOnlyOnceItIsCommitted(Vertx vertx) {
    GroupCommit group = new GroupCommit(pool);
    List<String> seenByOthers = new ArrayList<>();
    TestNode.await(Future.<Void>future(p -> vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<?>> all = new ArrayList<>();
      for (String label : List.of("c1", "c2", "c3")) {
        all.add(group.submit(INSERT, Tuple.of(label))
            .compose(rs -> reader.preparedQuery("SELECT count(*) FROM group_commit_probe WHERE label = $1")
                .execute(Tuple.of(label)))
            .map(rs -> {
              seenByOthers.add(label + "=" + rs.iterator().next().getLong(0));
              return null;
            }));
      }
      Future.all(all).<Void>mapEmpty().onComplete(p);
    })));
    assertEquals(3, seenByOthers.size());
    seenByOthers.forEach(s -> assertTrue(s.endsWith("=1"), "visible to another connection when reported: " + s));
  }
}
