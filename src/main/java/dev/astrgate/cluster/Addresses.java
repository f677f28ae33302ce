package dev.astrgate.cluster;

/** Every event-bus address the gateway uses, in one place. */
public final class Addresses {
  private Addresses() {
  }

  /** Published locally when keys change (the database NOTIFY reaches every node); each node drops its key cache. */
  public static final String KEYS_CHANGED = "auth.keys.changed";

  /**
   * Inbound user messages from every platform adapter, as JSON, request/reply: the reply carries the bot's answer.
   * Sent without localOnly, so a local consumer (the chat pipeline) is used when no clustered one exists.
   */
  public static final String CHAT_INBOUND = "chat.inbound";

  /** Cluster-wide notices about inbound connection ownership (owner changed, owner gone); JSON, published. */
  public static final String PLATFORM_OWNERSHIP = "platform.ownership";

  /** Cluster-wide map: platform id to the connection that owns sends, {@code {node, node_id, connection_id, epoch}}. */
  public static final String PLATFORM_CONNECTIONS_MAP = "astrgate.platform.connections";

  /** Sends to a platform: registered only on the node that holds its live connection or its poller lease. */
  public static String platformSend(String platformId) {
    return "platform." + platformId + ".send";
  }

  /**
   * The same sends, addressed to one node: the owner registers it next to {@link #platformSend}, and senders use it
   * once they know the owner, so a dead member's not yet removed registration can never be picked.
   */
  public static String platformSendTo(String platformId, String nodeId) {
    return "platform." + platformId + ".send." + nodeId;
  }

  /** Cluster lock name of an outbound platform's single poller. */
  public static String platformPoller(String platformId) {
    return "platform." + platformId + ".poller";
  }

  /** Cluster counter that numbers a platform's connection ownerships. */
  public static String platformEpoch(String platformId) {
    return "platform." + platformId + ".epoch";
  }

  /** Cluster-wide map: webchat session id to the id of the node that holds the session's latest open stream. */
  public static final String WEBCHAT_STREAMS_MAP = "astrgate.webchat.streams";

  /**
   * Proactive webchat messages for the streams open on one node, request/reply JSON; the reply says whether the
   * message was shown live ({@code {"live": true}}) or the stream had already ended ({@code {"live": false}}).
   */
  public static String webchatNode(String nodeId) {
    return "webchat.node." + nodeId;
  }
}
