package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

/** Every repository over one pool. */
record Repositories(Pool pool, KeyRepository keys, SessionRepository sessions, AttachmentRepository attachments,
                    PreferenceRepository preferences, ChatRepository chat) {

  static Repositories over(Vertx vertx, Pool pool) {
    return over(vertx, pool, false);
  }

  /** {@code oneEventLoop}: used only from one event loop, so history rows may be group-committed. */
  static Repositories over(Vertx vertx, Pool pool, boolean oneEventLoop) {
    AttachmentRepository attachments = new AttachmentRepository(vertx, pool);
    return new Repositories(pool, new KeyRepository(pool), new SessionRepository(pool), attachments,
        new PreferenceRepository(pool), new ChatRepository(pool, attachments, oneEventLoop));
  }

  Future<Void> close() {
    return pool.close();
  }
}
