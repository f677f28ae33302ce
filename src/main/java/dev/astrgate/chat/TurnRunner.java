package dev.astrgate.chat;

import dev.astrgate.metrics.GatewayMetrics;
import dev.astrgate.platform.webchat.Webchat;
import dev.astrgate.provider.ChatProvider;
import dev.astrgate.provider.ProviderCall;
import dev.astrgate.provider.ProviderException;
import dev.astrgate.provider.ProviderListener;
import dev.astrgate.provider.ProviderRegistry;
import dev.astrgate.provider.ProviderRequest;
import dev.astrgate.provider.ProviderResult;
import dev.astrgate.provider.Usage;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one webchat turn after validation, as named stages: rate limit, session lock, context, persona, provider
 * call, events, persistence, title. Every path ends the stream with {@code end}, and {@code end} goes out only once
 * every row of the turn is committed. The upstream call waits only for what it needs: the rate limit and the
 * context (nothing at all for a session the gateway just made); the session row, the user row and the rate-limit hit
 * of a new session are written alongside it.
 */
final class TurnRunner {
  private static final Logger LOG = LoggerFactory.getLogger(TurnRunner.class);
  static final long LOCK_WAIT_MS = 10 * 60_000L;

  private final Vertx vertx;
  private final StoreClient store;
  private final Map<String, ChatSettings> settingsByConfig;
  private final Map<String, ProviderRegistry> providersByConfig;
  private final ContentBuilder content;
  private final GatewayMetrics metrics;

  TurnRunner(Vertx vertx, StoreClient store, Map<String, ChatSettings> settings, Map<String, ProviderRegistry> providers) {
    this.vertx = vertx;
    this.store = store;
    this.settingsByConfig = settings;
    this.providersByConfig = providers;
    this.content = new ContentBuilder(store);
    this.metrics = GatewayMetrics.of(vertx);
  }

  /** Mutable state of one running turn; touched only on the chat verticle's context. */
  private static final class Turn {
    final ChatTurn req;
    final TurnSink sink;
    final ChatSettings settings;
    final boolean streaming;
    final StringBuilder text = new StringBuilder();
    final StringBuilder reasoning = new StringBuilder();
    final double startTime = System.currentTimeMillis() / 1000.0;
    final long startNanos = System.nanoTime();
    long firstTokenNanos;
    long callStartNanos;
    String provider = "none";
    String outcome = "error";
    boolean closed;
    boolean ended;
    ProviderCall call;
    Lock lock;
    /** The user row of a webchat turn, written alongside the upstream call; the bot row follows it. */
    Future<ChatOps.Saved> userRow;
    boolean intakeWritten;
    /** Writes the stream's end waits for (session row, user row, a new session's rate-limit hit). */
    final List<Future<?>> pending = new ArrayList<>();

    Turn(ChatTurn req, TurnSink sink, ChatSettings settings) {
      this.req = req;
      this.sink = sink;
      this.settings = settings;
      this.streaming = req.streamingOverride() != null ? req.streamingOverride() : settings.streaming();
    }
  }

  void run(ChatTurn req, TurnSink sink) {
    ChatSettings settings = settingsByConfig.getOrDefault(req.configId(), settingsByConfig.get("default"));
    Turn t = new Turn(req, sink, settings);
    sink.onClose(() -> {
      t.closed = true;
      if (t.call != null) {
        t.call.cancel();
      }
    });
    sink.send(SseEvents.sessionId(req.sessionId()));
    if (!req.generatedSession()) {
      // Another turn of this session may be queued: its user row goes now, so user rows keep arrival order.
      writeIntake(t);
    }
    // The rate-limit hit, the session lock and (once locked) the context read start at once; a discarded turn
    // does not wait for the lock (lock() releases one granted after the turn ended).
    Future<Void> locked = lock(t);
    Future<Boolean> allowed = rateLimit(t);
    Future<ChatOps.Conversation> history = locked.compose(v -> loadContext(t));
    allowed
        .compose(ok -> ok ? history.compose(h -> converse(t, h)) : Future.succeededFuture())
        .onFailure(err -> {
          LOG.warn("chat turn failed session={} reason={}", req.sessionId(), err.toString());
          if (!t.closed && !t.ended) {
            t.sink.send(SseEvents.plain("Error occurred while processing agent request: " + err.getMessage(), false, null,
                req.messageId()));
            t.sink.send(SseEvents.complete("Error occurred while processing agent request: " + err.getMessage(), "",
                req.messageId()));
          }
        })
        .onComplete(ar -> {
          if (t.lock != null) {
            t.lock.release();
          }
          writeIntake(t);
          Future.join(t.pending).onComplete(w -> {
            if (w.failed()) {
              LOG.warn("chat turn rows not saved session={} reason={}", req.sessionId(), w.cause().toString());
              if (!t.closed && ar.succeeded()) {
                t.sink.send(SseEvents.plain("Error occurred while processing agent request: " + w.cause().getMessage(),
                    false, null, req.messageId()));
              }
            }
            finish(t);
          });
        });
  }

  /**
   * Stage: the rows that record the request (webchat only; platform turns write theirs before the run), once. A
   * session the gateway made for this turn is seen by no other turn, so its rows wait for the first token (or the
   * turn's end): on a busy node the database's work then comes after the first tokens, not before them.
   */
  private void writeIntake(Turn t) {
    ChatTurn r = t.req;
    if (t.intakeWritten || !r.webchat()) {
      return;
    }
    t.intakeWritten = true;
    ChatOps.AppendHistory userRow = new ChatOps.AppendHistory(Webchat.ID, r.sessionId(), r.username(),
        new JsonObject().put("type", "user").put("message", r.parts()));
    if (r.generatedSession()) {
      // A bucket keyed by a session id made a moment ago holds only this hit, and the count is at least 1: it is
      // recorded (the limit stays cluster-wide for the session's next turns) but nothing waits for it.
      long now = System.currentTimeMillis() / 1000;
      String bucket = t.settings.rateLimitCount() > 0 ? r.umo() : null;
      t.userRow = store.chat(new ChatOps.OpenSession(r.sessionId(), r.username(), Webchat.ID, bucket,
          bucket == null ? 0 : now - now % t.settings.rateLimitSeconds(), userRow));
    } else {
      t.userRow = store.chat(userRow);
    }
    t.pending.add(t.userRow);
  }

  /** Stage: the UMO's current context; a session made for this turn has none, so nothing is read. */
  private Future<ChatOps.Conversation> loadContext(Turn t) {
    if (t.req.generatedSession()) {
      return Future.succeededFuture(null);
    }
    return store.chat(new ChatOps.LoadContext(t.req.umo()));
  }

  private void finish(Turn t) {
    if (!t.ended) {
      t.ended = true;
      metrics.turn(t.provider, t.outcome);
      metrics.turnDuration(t.provider, System.nanoTime() - t.startNanos);
      if (!t.closed) {
        t.sink.send(SseEvents.end(t.req.messageId()));
      }
      t.sink.end();
    }
  }

  /** Stage: cluster-wide fixed-window rate limit per session; "stall" waits for the next window, "discard" drops. */
  private Future<Boolean> rateLimit(Turn t) {
    ChatSettings s = t.settings;
    if (s.rateLimitCount() <= 0) {
      return Future.succeededFuture(true);
    }
    long now = System.currentTimeMillis() / 1000;
    long window = now - now % s.rateLimitSeconds();
    if (t.req.generatedSession()) {
      return Future.succeededFuture(true);   // its hit is written with the session row (writeIntake)
    }
    return store.chat(new ChatOps.Hit(t.req.umo(), window)).compose(hits -> {
      if (hits <= s.rateLimitCount()) {
        return Future.succeededFuture(true);
      }
      if (s.rateLimitDiscard()) {
        t.outcome = "rate_limited";
        t.sink.send(SseEvents.plain("Rate limit exceeded: at most " + s.rateLimitCount() + " messages per "
            + s.rateLimitSeconds() + " s in this session. The message was discarded.", false, null, t.req.messageId()));
        return Future.succeededFuture(false);
      }
      long waitMs = Math.max(1, (window + s.rateLimitSeconds()) * 1000 - System.currentTimeMillis());
      Promise<Void> wait = Promise.promise();
      vertx.setTimer(waitMs, id -> wait.complete());
      return wait.future().compose(v -> t.closed ? Future.succeededFuture(false) : rateLimit(t));
    });
  }

  /** Stage: one turn at a time per session, cluster-wide when clustered. */
  private Future<Void> lock(Turn t) {
    return vertx.sharedData().getLockWithTimeout("chat.session." + t.req.sessionId(), LOCK_WAIT_MS).map(lock -> {
      if (t.ended) {
        lock.release();
        throw new IllegalStateException("turn already ended");
      }
      t.lock = lock;
      if (t.closed) {
        throw new IllegalStateException("client left");
      }
      return null;
    });
  }

  private Future<Void> converse(Turn t, ChatOps.Conversation loaded) {
    ProviderRegistry registry = providersByConfig.getOrDefault(t.req.configId(), providersByConfig.get("default"));
    Optional<ChatProvider> provider;
    if (t.req.selectedProvider() != null && !t.req.selectedProvider().isBlank()) {
      provider = registry.byId(t.req.selectedProvider());
      if (provider.isEmpty()) {
        t.outcome = "no_provider";
        t.sink.send(SseEvents.plain("Unknown provider: " + t.req.selectedProvider()
            + ". Use the id of an enabled entry of \"provider\" in the config.", false, null, t.req.messageId()));
        return Future.succeededFuture();
      }
    } else {
      provider = registry.defaultProvider();
      if (provider.isEmpty()) {
        t.outcome = "no_provider";
        t.sink.send(SseEvents.plain("No chat provider is configured. Add provider_sources and provider entries to the config"
            + " (or set OPENAI_API_KEY for the shipped default).", false, null, t.req.messageId()));
        return Future.succeededFuture();
      }
    }
    ChatProvider p = provider.get();
    t.provider = p.id();
    String model = t.req.selectedModel() != null && !t.req.selectedModel().isBlank() ? t.req.selectedModel() : p.model();
    return content.userContent(t.req.parts()).compose(userContent -> {
      JsonArray past = loaded == null ? new JsonArray() : loaded.messages();
      JsonArray context = ContentBuilder.trim(past, t.settings.maxContextLength(), t.settings.dequeueContextLength());
      JsonArray messages = new JsonArray();
      String system = t.req.webchat() ? t.settings.systemPrompt() : t.settings.personaPrompt();
      if (system != null && !system.isBlank()) {
        messages.add(new JsonObject().put("role", "system").put("content", system));
      }
      context.forEach(messages::add);
      messages.add(new JsonObject().put("role", "user").put("content", userContent));
      if (t.closed) {
        return Future.failedFuture(ProviderException.cancelled());
      }
      return call(t, p, new ProviderRequest(model, messages, t.streaming))
          .compose(result -> succeeded(t, result, context, past.isEmpty(), p),
              err -> failed(t, err));
    });
  }

  /** Stage: the provider call, each delta written the moment it arrives, with backpressure from slow clients. */
  private Future<ProviderResult> call(Turn t, ChatProvider p, ProviderRequest request) {
    boolean showReasoning = t.streaming && t.settings.displayReasoning();
    ProviderListener listener = new ProviderListener() {
      @Override
      public void onText(String delta) {
        firstToken(t, metrics);
        t.text.append(delta);
        if (t.streaming && !t.closed) {
          t.sink.sendPlain(delta, true, null, t.req.messageId());
          applyBackpressure(t);
        }
        writeIntake(t);
      }

      @Override
      public void onReasoning(String delta) {
        firstToken(t, metrics);
        t.reasoning.append(delta);
        if (showReasoning && !t.closed) {
          t.sink.sendPlain(delta, true, "reasoning", t.req.messageId());
          applyBackpressure(t);
        }
        writeIntake(t);
      }
    };
    t.callStartNanos = System.nanoTime();
    t.call = p.call(request, listener);
    if (t.closed) {
      t.call.cancel();
    }
    return t.call.result();
  }

  private static void firstToken(Turn t, GatewayMetrics metrics) {
    if (t.firstTokenNanos == 0) {
      t.firstTokenNanos = System.nanoTime();
      metrics.timeToFirstToken(t.provider, t.firstTokenNanos - t.callStartNanos);
    }
  }

  private static void applyBackpressure(Turn t) {
    if (t.sink.writeQueueFull()) {
      t.call.pause();
      t.sink.onDrain(() -> t.call.resume());
    }
  }

  private JsonObject stats(Turn t, Usage usage) {
    double end = System.currentTimeMillis() / 1000.0;
    double ttft = t.firstTokenNanos == 0 ? 0.0 : (t.firstTokenNanos - t.startNanos) / 1e9;
    Usage u = usage == null ? Usage.NONE : usage;
    return new JsonObject()
        .put("token_usage", new JsonObject().put("input_other", u.inputOther()).put("input_cached", u.inputCached())
            .put("output", u.output()))
        .put("start_time", t.startTime)
        .put("end_time", end)
        .put("time_to_first_token", ttft);
  }

  /** Stages: events and persistence for a completed answer, in upstream's order for each mode. */
  private Future<Void> succeeded(Turn t, ProviderResult result, JsonArray context, boolean firstTurn, ChatProvider p) {
    String text = result.text() == null ? t.text.toString() : result.text();
    String reasoning = result.reasoning() == null ? t.reasoning.toString() : result.reasoning();
    JsonObject stats = stats(t, result.usage());
    Usage used = result.usage() == null ? Usage.NONE : result.usage();
    metrics.tokens(t.provider, used.inputOther() + used.inputCached(), used.output());
    if (t.closed) {
      t.outcome = "cancelled";
      metrics.cancellation(t.provider);
      return saveBot(t, text, reasoning, stats, true, null).mapEmpty();
    }
    t.outcome = "ok";
    Usage u = result.usage() == null ? Usage.NONE : result.usage();
    JsonArray updated = context.copy()
        .add(new JsonObject().put("role", "user").put("content", ContentBuilder.textOnly(t.req.parts())))
        .add(new JsonObject().put("role", "assistant").put("content", text));
    // The bot row and the new context go as one statement.
    ChatOps.SaveContext newContext = new ChatOps.SaveContext(t.req.umo(), t.req.platformId(), updated,
        u.inputOther() + u.inputCached() + u.output());
    Future<Void> events;
    if (t.streaming) {
      t.sink.send(SseEvents.agentStats(stats));
      t.sink.send(SseEvents.complete(text, reasoning, t.req.messageId()));
      events = saveBot(t, text, reasoning, stats, false, newContext).map(saved -> {
        t.sink.send(SseEvents.messageSaved(saved.id(), saved.createdAt()));
        return null;
      });
    } else {
      t.sink.send(SseEvents.plain(text, false, null, t.req.messageId()));
      events = saveBot(t, text, reasoning, stats, false, newContext).map(saved -> {
        t.sink.send(SseEvents.messageSaved(saved.id(), saved.createdAt()));
        t.sink.send(SseEvents.agentStats(stats));
        return null;
      });
    }
    return events.onSuccess(v -> {
      if (firstTurn && t.req.webchat() && t.settings.generateTitle()) {
        TitleGenerator.generate(store, p, t.req.sessionId(), ContentBuilder.textOnly(t.req.parts()));
      }
    });
  }

  /** Upstream failures become upstream's error text, then complete; a client that left gets its partial reply saved. */
  private Future<Void> failed(Turn t, Throwable err) {
    JsonObject stats = stats(t, null);
    if (t.closed || (err instanceof ProviderException pe && pe.kind() == ProviderException.Kind.CANCELLED)) {
      t.outcome = "cancelled";
      metrics.cancellation(t.provider);
      LOG.info("chat turn cancelled session={} chars={}", t.req.sessionId(), t.text.length());
      return saveBot(t, t.text.toString(), t.reasoning.toString(), stats, true, null).mapEmpty();
    }
    String type = err instanceof ProviderException pe ? pe.errorType() : err.getClass().getSimpleName();
    String errorText = "Error occurred during AI execution.\nError Type: " + type + "\nError Message: " + err.getMessage();
    LOG.warn("provider failed session={} type={} reason={}", t.req.sessionId(), type, err.getMessage());
    metrics.upstreamError(t.provider, type);
    String shown = t.text.length() == 0 ? errorText : t.text + "\n\n" + errorText;
    t.sink.send(SseEvents.plain(errorText, false, null, t.req.messageId()));
    t.sink.send(SseEvents.complete(shown, t.reasoning.toString(), t.req.messageId()));
    return saveBot(t, shown, t.reasoning.toString(), stats, false, null).map(saved -> {
      if (!t.closed) {
        t.sink.send(SseEvents.messageSaved(saved.id(), saved.createdAt()));
      }
      return null;
    });
  }

  /** The bot row, with {@code newContext} (null: the context stays as it was) in the same statement. */
  private Future<ChatOps.Saved> saveBot(Turn t, String text, String reasoning, JsonObject stats, boolean interrupted,
                                        ChatOps.SaveContext newContext) {
    writeIntake(t);
    JsonObject content = new JsonObject().put("type", "bot")
        .put("message", new JsonArray().add(new JsonObject().put("type", "plain").put("text", text)));
    if (!reasoning.isEmpty()) {
      content.put("reasoning", reasoning);
    }
    content.put("agent_stats", stats);
    if (interrupted) {
      content.put("interrupted", true);
    }
    ChatOps.AppendHistory row = new ChatOps.AppendHistory(t.req.platformId(), t.req.sessionId(), "bot", content);
    ChatOps.Op<ChatOps.Saved> op = newContext == null ? row : new ChatOps.FinishTurn(row, newContext);
    // After the user row, so history keeps the turn's order whichever connection each write took.
    return t.userRow == null ? store.chat(op) : t.userRow.transform(ar -> store.chat(op));
  }
}
