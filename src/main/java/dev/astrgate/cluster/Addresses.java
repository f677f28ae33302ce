package dev.astrgate.cluster;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Every event-bus address the gateway uses, in one place, each with its scope: a {@link Scope#NODE} address never
 * leaves its node (local consumers, local-only delivery), a {@link Scope#CLUSTER} one is registered and reached
 * cluster-wide. Call sites register and send through {@link Address}, so no call site decides the scope.
 */
public final class Addresses {
  private Addresses() {
  }

  /** Where an address is visible. */
  public enum Scope {
    /** This node only: local consumer, local-only delivery (records with local codecs may travel on it). */
    NODE,
    /** Every member: clustered consumer; a request picks one registration round-robin over the cluster. */
    CLUSTER
  }

  /** An address and its scope. */
  public record Address(String name, Scope scope) {
    public <T> MessageConsumer<T> consumer(EventBus bus, Handler<Message<T>> handler) {
      return scope == Scope.NODE ? bus.localConsumer(name, handler) : bus.consumer(name, handler);
    }

    /** Delivery options for this address (local-only for {@link Scope#NODE}). */
    public DeliveryOptions delivery() {
      return new DeliveryOptions().setLocalOnly(scope == Scope.NODE);
    }

    /** The same, with a send timeout. */
    public DeliveryOptions delivery(long timeoutMs) {
      return delivery().setSendTimeout(timeoutMs);
    }
  }

  /** Node: published when keys change (the database NOTIFY reaches every node); each node drops its key cache. */
  public static final Address KEYS_CHANGED = new Address("auth.keys.changed", Scope.NODE);

  /**
   * Cluster: inbound user messages ({@code InboundMessage} JSON) from every platform adapter, request/reply; the
   * reply carries the bot's answer. Registered by every chat-role node (one consumer per ChatVerticle), so requests
   * spread over the chat nodes and an adapter-only node reaches a pipeline elsewhere.
   */
  public static final Address CHAT_INBOUND = new Address("chat.inbound", Scope.CLUSTER);

  /** Cluster: the same, addressed to one chat node (registered next to {@link #CHAT_INBOUND} by every ChatVerticle). */
  public static Address chatInboundTo(String nodeId) {
    return new Address("chat.inbound." + nodeId, Scope.CLUSTER);
  }

  /** Cluster-wide map: id to name of every node that runs a chat pipeline ({@code cluster.ChatNodes}). */
  public static final String CHAT_NODES_MAP = "astrgate.chat.nodes";

  /** Cluster: notices about platform ownership (owner changed, owner gone); JSON, published. Routing unit only. */
  public static final Address PLATFORM_OWNERSHIP = new Address("platform.ownership", Scope.CLUSTER);

  /** Cluster-wide map: platform id to the holder of its sends ({@code OwnerEntry} JSON). Routing unit only. */
  public static final String PLATFORM_CONNECTIONS_MAP = "astrgate.platform.connections";

  /** Cluster: sends to a platform, registered only on the node that holds it. Routing unit only. */
  public static Address platformSend(String platformId) {
    return new Address("platform." + platformId + ".send", Scope.CLUSTER);
  }

  /**
   * Cluster: the same sends, addressed to one node: the holder registers it next to {@link #platformSend}, and
   * senders use it once they know the holder, so a dead member's not yet removed registration is never picked.
   */
  public static Address platformSendTo(String platformId, String nodeId) {
    return new Address("platform." + platformId + ".send." + nodeId, Scope.CLUSTER);
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
   * Cluster: proactive webchat messages for the streams open on one node, request/reply JSON; the reply says whether
   * the message was shown live ({@code {"live": true}}) or the stream had already ended ({@code {"live": false}}).
   */
  public static Address webchatNode(String nodeId) {
    return new Address("webchat.node." + nodeId, Scope.CLUSTER);
  }
}
