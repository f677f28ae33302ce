package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/** Every repository over one pool. */
record Repositories(Pool pool, KeyRepository keys, SessionRepository sessions, AttachmentRepository attachments,
                    PreferenceRepository preferences, ChatRepository chat) {

  static Repositories over(Vertx vertx, Pool pool) {
    AttachmentRepository attachments = new AttachmentRepository(vertx, pool);
    return new Repositories(pool, new KeyRepository(pool), new SessionRepository(pool), attachments,
        new PreferenceRepository(pool), new ChatRepository(pool, attachments));
  }

  Future<Void> close() {
    return pool.close();
  }
}
