package dev.astrgate.cluster;

/** Every event-bus address the gateway uses, in one place. */
public final class Addresses {
  private Addresses() {
  }

  /** Store operations; always local-only, each node talks to its own pool. */
  public static final String STORE_PING = "store.ping";
  public static final String STORE_KEY_FIND = "store.key.find";
  public static final String STORE_KEY_TOUCH = "store.key.touch";
  public static final String STORE_SESSIONS_LIST = "store.sessions.list";
  public static final String STORE_ATTACHMENT_SAVE = "store.attachment.save";
  public static final String STORE_ATTACHMENT_FIND = "store.attachment.find";
  public static final String STORE_ATTACHMENT_CHUNK = "store.attachment.chunk";

  /** Published (cluster-wide when clustered) when keys change; every node drops its key cache. */
  public static final String KEYS_CHANGED = "auth.keys.changed";
}
