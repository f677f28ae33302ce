package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/** SQL for {@code platform_message_history}. */
public final class HistoryRepository {
  private final Pool pool;

  public HistoryRepository(Pool pool) {
    this.pool = pool;
  }

  /** Appends a message and answers its id. */
  public Future<Long> insert(String platformId, String userId, String senderId, String senderName, JsonObject content) {
    return pool.preparedQuery("INSERT INTO platform_message_history (platform_id, user_id, sender_id, sender_name, content)"
            + " VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .execute(Tuple.of(platformId, userId, senderId, senderName, content))
        .map(rows -> rows.iterator().next().getLong(0));
  }
}
