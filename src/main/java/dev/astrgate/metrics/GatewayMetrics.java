package dev.astrgate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The node's Prometheus registry and the gateway's own meters. Labels stay low-cardinality on purpose:
 * provider ids, platform ids, outcomes and reasons, never usernames, session ids or keys.
 */
public final class GatewayMetrics implements Shareable {
  private static final String MAP = "astrgate.node";
  private static final String KEY = "metrics";
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger openStreams = new AtomicInteger();
  // Meters by name and tags, built on first use: looking a meter up in the registry on every call (builder, id,
  // tag sort, registry map, double-registration check) cost more than the send it counted.
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public GatewayMetrics(String nodeName) {
    registry.config().commonTags("node", nodeName);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("astrgate_sse_open_streams", openStreams, AtomicInteger::get)
        .description("SSE chat streams open on this node").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Makes these meters the ones {@link #of(Vertx)} finds for this node's Vert.x. */
  public void attach(Vertx vertx) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, this);
  }

  /** The node's meters; a detached throwaway set when none was attached (a tool or a bare test Vert.x). */
  public static GatewayMetrics of(Vertx vertx) {
    Object m = vertx.sharedData().getLocalMap(MAP).get(KEY);
    if (m instanceof GatewayMetrics gm) {
      return gm;
    }
    GatewayMetrics detached = new GatewayMetrics("detached");
    Object raced = vertx.sharedData().getLocalMap(MAP).putIfAbsent(KEY, detached);
    return raced instanceof GatewayMetrics gm ? gm : detached;
  }

  /** One finished chat turn; outcome is ok, error, cancelled, rate_limited or no_provider. */
  public void turn(String provider, String outcome) {
    counter("astrgate_chat_turns", "Chat turns by provider and outcome", "provider", provider, "outcome", outcome).increment();
  }

  public void timeToFirstToken(String provider, long nanos) {
    timer("astrgate_chat_time_to_first_token", "Time from the upstream request to its first token", provider)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  public void turnDuration(String provider, long nanos) {
    timer("astrgate_chat_turn_duration", "Whole chat turn, from intake to end", provider).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void tokens(String provider, long in, long out) {
    counter("astrgate_chat_tokens", "LLM tokens by direction", "provider", provider, "direction", "in").increment(in);
    counter("astrgate_chat_tokens", "LLM tokens by direction", "provider", provider, "direction", "out").increment(out);
  }

  public void cancellation(String provider) {
    counter("astrgate_chat_cancellations", "Turns whose client left; the upstream call was cancelled", "provider", provider,
        null, null).increment();
  }

  /** kind is the provider's error type, for example APITimeoutError. */
  public void upstreamError(String provider, String kind) {
    counter("astrgate_chat_upstream_errors", "Upstream LLM failures by kind", "provider", provider, "kind", kind).increment();
  }

  public void streamOpened() {
    openStreams.incrementAndGet();
  }

  public void streamClosed() {
    openStreams.decrementAndGet();
  }

  /** reason is missing, invalid, scope or bound_user. */
  public void authFailure(String reason) {
    counter("astrgate_auth_failures", "Refused API-key checks by reason", "reason", reason, null, null).increment();
  }

  /** One proactive or reply send; outcome is ok, refused, timeout, not_found or unavailable. */
  public void platformSend(String platform, String outcome, long nanos) {
    counter("astrgate_platform_sends", "Platform sends by outcome", "platform", platform, "outcome", outcome).increment();
    timer("astrgate_platform_send_duration", "Platform send latency", null).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Inbound platform messages given up because no chat pipeline was reachable; build once per adapter. */
  public Counter inboundDropped(String platform) {
    return Counter.builder("astrgate_platform_inbound_dropped")
        .description("Inbound messages dropped because no chat node answered in time").tag("platform", platform)
        .register(registry);
  }

  /** 1 while this node holds the platform's connection (OneBot owner, Telegram poller), else 0. */
  public void platformConnection(String platform, BooleanSupplier holds) {
    Gauge.builder("astrgate_platform_connected", holds, h -> h.getAsBoolean() ? 1 : 0)
        .description("1 while this node holds the platform's connection").tag("platform", platform)
        .strongReference(true).register(registry);
  }

  public void clusterMembers(IntSupplier members) {
    // Micrometer holds gauge state weakly; these suppliers live nowhere else.
    Gauge.builder("astrgate_cluster_members", members, s -> s.getAsInt()).description("Members of the cluster this node sees")
        .strongReference(true).register(registry);
  }

  private Timer timer(String name, String description, String provider) {
    return timers.computeIfAbsent(provider == null ? name : name + '\0' + provider, k -> {
      Timer.Builder b = Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS);
      if (provider != null) {
        b.tag("provider", provider);
      }
      return b.register(registry);
    });
  }

  /** A counter with one or two tags (k2 null for one), registered once. */
  private Counter counter(String name, String description, String k1, String v1, String k2, String v2) {
    String key = k2 == null ? name + '\0' + v1 : name + '\0' + v1 + '\0' + v2;
    Counter c = counters.get(key);
    if (c != null) {
      return c;
    }
    return counters.computeIfAbsent(key, k -> {
      Counter.Builder b = Counter.builder(name).description(description).tag(k1, v1);
      if (k2 != null) {
        b.tag(k2, v2);
      }
      return b.register(registry);
    });
  }
}
