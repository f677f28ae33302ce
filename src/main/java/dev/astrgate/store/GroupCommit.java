package dev.astrgate.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Group commit of the writes of one event loop: the statements submitted in one event-loop task, or while a batch is
 * being committed, go as the next batch, in submission order, pipelined in one transaction: one round trip for all,
 * one commit, one WAL flush. A lone statement runs as it is. Each caller hears of its statement only after the commit
 * that holds it, so nothing is reported saved before it is.
 *
 * <p>A batch that fails on a statement (a constraint, say) rolls back as a whole and each statement then runs again
 * on its own, in order, so one bad row costs the others nothing. A batch that fails because PostgreSQL cannot be
 * reached fails every statement in it with that error: whether its commit landed is unknown, so nothing is retried.
 * Touched only on the owning event loop.
 */
final class GroupCommit {
  private record Item(String sql, Tuple args, Promise<RowSet<Row>> promise) {
  }

  private final Pool pool;
  private List<Item> queued = new ArrayList<>();
  private boolean inFlight;
  private boolean scheduled;

  GroupCommit(Pool pool) {
    this.pool = pool;
  }

  /** Runs {@code sql} in the next batch; completes once the batch's commit did. */
  Future<RowSet<Row>> submit(String sql, Tuple args) {
    Promise<RowSet<Row>> p = Promise.promise();
    queued.add(new Item(sql, args, p));
    if (!inFlight && !scheduled) {
      Context ctx = Vertx.currentContext();
      if (ctx == null) {
        flush();
      } else {
        // The rest of this task may add statements (a turn's session, hit and user row come together).
        scheduled = true;
        ctx.runOnContext(v -> {
          scheduled = false;
          if (!inFlight) {
            flush();
          }
        });
      }
    }
    return p.future();
  }

  private void flush() {
    if (queued.isEmpty()) {
      inFlight = false;
      return;
    }
    inFlight = true;
    List<Item> batch = queued;
    queued = new ArrayList<>();
    if (batch.size() == 1) {
      Item only = batch.get(0);
      pool.preparedQuery(only.sql()).execute(only.args()).onComplete(ar -> {
        only.promise().handle(ar);
        flush();
      });
      return;
    }
    List<RowSet<Row>> results = new ArrayList<>(batch.size());
    pool.withTransaction(conn -> pipeline(conn, batch, results)).onComplete(ar -> {
      if (ar.succeeded()) {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).promise().complete(results.get(i));
        }
        flush();
      } else if (StoreVerticle.isUnavailable(ar.cause())) {
        batch.forEach(item -> item.promise().fail(ar.cause()));
        flush();
      } else {
        oneByOne(batch, 0).onComplete(v -> flush());
      }
    });
  }

  /** Every statement sent at once on the transaction's connection; the replies come back in order. */
  private static Future<Void> pipeline(SqlConnection conn, List<Item> batch, List<RowSet<Row>> results) {
    List<Future<RowSet<Row>>> all = new ArrayList<>(batch.size());
    for (Item item : batch) {
      all.add(conn.preparedQuery(item.sql()).execute(item.args()));
    }
    return Future.join(all).map(done -> {
      all.forEach(f -> results.add(f.result()));
      return null;
    });
  }

  /** After a rolled-back batch: each statement alone, in order, each answering its own caller. */
  private Future<Void> oneByOne(List<Item> batch, int from) {
    if (from == batch.size()) {
      return Future.succeededFuture();
    }
    Item item = batch.get(from);
    return pool.preparedQuery(item.sql()).execute(item.args())
        .andThen(item.promise())
        .transform(ar -> oneByOne(batch, from + 1));
  }
}
