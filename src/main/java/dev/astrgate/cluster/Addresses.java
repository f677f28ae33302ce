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
  public static final String STORE_CHAT = "store.chat";

  /** Local-only: the HTTP layer hands a validated chat turn (with its event sink) to a ChatVerticle. */
  public static final String CHAT_TURN = "chat.turn";

  /** Inbound platform messages as JSON; the reply carries the bot's answer. */
  public static final String CHAT_INBOUND = "chat.inbound";

  /** Registered by the node holding an open SSE stream for a webchat session; suffix is the session id. */
  public static final String WEBCHAT_SESSION_PREFIX = "webchat.session.";

  /** Published (cluster-wide when clustered) when keys change; every node drops its key cache. */
  public static final String KEYS_CHANGED = "auth.keys.changed";
}
