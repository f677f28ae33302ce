package dev.astrgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeLlm;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.RecordedRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Behaviour both providers must show against their wire-level fake: streaming, usage, key rotation, every
 * failure kind with its error type, cancellation reaching the socket, pause/resume and UTF-8 integrity.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
abstract class ChatProviderContract {
  protected ProviderRegistry registry;

  protected abstract FakeLlm fake();

  /** openai_chat_completion / anthropic_chat_completion. */
  protected abstract String type();

  @BeforeEach
  void resetFake() {
    fake().reset();
  }

  @AfterEach
  void closeRegistry() {
    if (registry != null) {
      registry.close();
      registry = null;
    }
  }

  /** A provider "p" (model fake-model) on the fake; {@code source} entries override the defaults. */
  protected ChatProvider provider(Vertx vertx, JsonObject source) {
    JsonObject src = new JsonObject()
        .put("id", "src")
        .put("type", type())
        .put("enable", true)
        .put("key", new JsonArray().add("k-good"))
        .put("api_base", fake().baseUrl())
        .put("timeout", 5)
        .put("custom_headers", new JsonObject().put("X-Trace", "trace-1"));
    src.mergeIn(source);
    JsonObject conf = new JsonObject()
        .put("provider_sources", new JsonArray().add(src))
        .put("provider", new JsonArray().add(new JsonObject()
            .put("id", "p").put("provider_source_id", "src").put("model", "fake-model").put("enable", true)));
    registry = ProviderRegistry.fromConfig(vertx, conf);
    return registry.byId("p").orElseThrow();
  }

  protected ChatProvider provider(Vertx vertx) {
    return provider(vertx, new JsonObject());
  }

  protected static JsonArray messages(String text) {
    return new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "You are terse."))
        .add(new JsonObject().put("role", "user").put("content", text));
  }

  protected static ProviderRequest streaming() {
    return new ProviderRequest(null, messages("hi"), true);
  }

  /** Expects the call to fail with a ProviderException and runs {@code check} on it. */
  protected static void expectFailure(VertxTestContext tc, ProviderCall call, Consumer<ProviderException> check) {
    call.result().onComplete(ar -> tc.verify(() -> {
      assertTrue(ar.failed(), () -> "expected a failure, got " + ar.result());
      assertTrue(ar.cause() instanceof ProviderException, () -> "not a ProviderException: " + ar.cause());
      check.accept((ProviderException) ar.cause());
      tc.completeNow();
    }));
  }

  /** Asserts that the connection carrying {@code req} is closed by the client within 1 s of {@code sinceMillis}. */
  protected static Future<Long> closedWithinOneSecond(Vertx vertx, VertxTestContext tc, RecordedRequest req,
      long sinceMillis) {
    // Fail fast instead of waiting for the test timeout when the close never comes.
    long guard = vertx.setTimer(1500, t -> tc.failNow("the fake saw no client close within 1.5 s"));
    return req.clientClosed().onComplete(ar -> tc.verify(() -> {
      vertx.cancelTimer(guard);
      assertTrue(ar.succeeded(), () -> "connection not closed by the client: " + ar.cause());
      long after = ar.result() - sinceMillis;
      assertTrue(after < 1000, "the fake saw the connection closed only after " + after + " ms");
    }));
  }

  // ---- streaming ----

  @Test
  void streamedDeltasArriveInOrderAndMakeTheReply(Vertx vertx, VertxTestContext tc) {
    FakeReply reply = FakeReply.tokens("Hel", "lo", ", ", "wor", "ld", "!").delayMs(5);
    fake().script(reply);
    Collector c = new Collector();
    provider(vertx).call(streaming(), c).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(reply.tokenList(), c.text);
      assertEquals("Hello, world!", r.text());
      assertEquals(c.joined(), r.text());
      assertEquals("", r.reasoning());
      assertTrue(r.finishReason() != null && !r.finishReason().isEmpty());
      tc.completeNow();
    })));
  }

  @Test
  void manyEventsInOneNetworkChunkAllArrive(Vertx vertx, VertxTestContext tc) {
    FakeReply reply = FakeReply.numbered(200);
    fake().script(reply);
    Collector c = new Collector();
    provider(vertx).call(streaming(), c).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(200, c.text.size());
      assertEquals(reply.text(), r.text());
      tc.completeNow();
    })));
  }

  @Test
  void reasoningDeltasComeBeforeTheText(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("42").reasoning("Let me ", "think.").delayMs(2));
    Collector c = new Collector();
    provider(vertx).call(streaming(), c).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(List.of("Let me ", "think."), c.reasoning);
      assertEquals(List.of("R:Let me ", "R:think.", "T:42"), c.events);
      assertEquals("Let me think.", r.reasoning());
      assertEquals("42", r.text());
      tc.completeNow();
    })));
  }

  @Test
  void usageIsSplitIntoUncachedCachedAndOutput(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("ok").usage(100, 30, 7));
    provider(vertx).call(streaming(), new Collector()).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(new Usage(70, 30, 7), r.usage());
      tc.completeNow();
    })));
  }

  @Test
  void utf8SplitAcrossChunksArrivesIntact(Vertx vertx, VertxTestContext tc) {
    FakeReply reply = FakeReply.tokens("你好", "，世界", "🎉🚀", " ok").reasoning("想一想🤔").splitBytes(1);
    fake().script(reply);
    Collector c = new Collector();
    provider(vertx).call(streaming(), c).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(reply.tokenList(), c.text);
      assertEquals("你好，世界🎉🚀 ok", r.text());
      assertEquals("想一想🤔", r.reasoning());
      tc.completeNow();
    })));
  }

  @Test
  void nonStreamingReturnsTheWholeAnswer(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("Hello", " there").reasoning("hmm").usage(20, 5, 9));
    Collector c = new Collector();
    provider(vertx).call(new ProviderRequest(null, messages("hi"), false), c).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertEquals("Hello there", r.text());
          assertEquals("hmm", r.reasoning());
          assertEquals(new Usage(15, 5, 9), r.usage());
          assertTrue(c.events.isEmpty(), "a non-streaming call must not deliver deltas");
          assertEquals(false, fake().lastRequest().body().getValue("stream"));
          tc.completeNow();
        })));
  }

  @Test
  void requestModelOverridesTheConfiguredOne(Vertx vertx, VertxTestContext tc) {
    ChatProvider p = provider(vertx);
    assertEquals("fake-model", p.model());
    p.call(new ProviderRequest("other-model", messages("hi"), true), new Collector()).result()
        .compose(r -> p.call(new ProviderRequest(" ", messages("hi"), true), new Collector()).result())
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          List<RecordedRequest> reqs = fake().requests();
          assertEquals("other-model", reqs.get(0).body().getString("model"));
          assertEquals("fake-model", reqs.get(1).body().getString("model"));
          assertEquals("trace-1", reqs.get(0).header("X-Trace"));
          assertEquals("application/json", reqs.get(0).header("Content-Type"));
          tc.completeNow();
        })));
  }

  @Test
  void streamEndingCleanlyAfterFinishReasonWithoutMarkerIsAccepted(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("a", "b").omitEndMarker());
    provider(vertx).call(streaming(), new Collector()).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals("ab", r.text());
      tc.completeNow();
    })));
  }

  @Test
  void aJsonAnswerToAStreamingRequestIsDeliveredWhole(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("all ", "at ", "once").reasoning("r").ignoreStream());
    Collector c = new Collector();
    provider(vertx).call(streaming(), c).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(List.of("R:r", "T:all at once"), c.events);
      assertEquals("all at once", r.text());
      tc.completeNow();
    })));
  }

  // ---- keys ----

  @Test
  void a401MovesToTheNextKeyAndLaterCallsStartThere(Vertx vertx, VertxTestContext tc) {
    fake().requireKey("k-good");
    ChatProvider p = provider(vertx, new JsonObject().put("key", new JsonArray().add("k-bad").add("k-good")));
    Collector c = new Collector();
    p.call(streaming(), c).result()
        .compose(r -> {
          tc.verify(() -> assertEquals("Hello, world!", r.text()));
          return p.call(streaming(), new Collector()).result();
        })
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          List<String> keys = fake().requests().stream().map(this::keyOf).toList();
          assertEquals(List.of("k-bad", "k-good", "k-good"), keys);
          assertEquals("Hello, world!", c.joined());
          tc.completeNow();
        })));
  }

  @Test
  void a429MovesToTheNextKey(Vertx vertx, VertxTestContext tc) {
    fake().rateLimitKey("k-busy");
    ChatProvider p = provider(vertx, new JsonObject().put("key", new JsonArray().add("k-busy").add("k-free")));
    p.call(streaming(), new Collector()).result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(List.of("k-busy", "k-free"), fake().requests().stream().map(this::keyOf).toList());
      assertEquals("Hello, world!", r.text());
      tc.completeNow();
    })));
  }

  @Test
  void allKeysRejectedIsAnAuthenticationErrorWithTheUpstreamMessage(Vertx vertx, VertxTestContext tc) {
    fake().requireKey("k-nobody-has");
    ProviderCall call = provider(vertx, new JsonObject().put("key", new JsonArray().add("k-one1").add("k-two2")))
        .call(streaming(), new Collector());
    expectFailure(tc, call, e -> {
      assertEquals(ProviderException.Kind.HTTP_STATUS, e.kind());
      assertEquals("AuthenticationError", e.errorType());
      assertEquals(401, e.status());
      assertTrue(e.getMessage().contains("401"), e.getMessage());
      assertTrue(e.getMessage().contains("Incorrect API key provided"), e.getMessage());
      assertEquals(2, fake().requests().size());
    });
  }

  @Test
  void aKeyEchoedByTheUpstreamIsRedacted(Vertx vertx, VertxTestContext tc) {
    String key = "sk-very-secret-123456";
    fake().script(FakeReply.rawError(401, "{\"error\":{\"message\":\"key " + key + " is revoked\"}}"));
    ProviderCall call = provider(vertx, new JsonObject().put("key", new JsonArray().add(key)))
        .call(streaming(), new Collector());
    expectFailure(tc, call, e -> {
      assertEquals("AuthenticationError", e.errorType());
      assertFalse(e.getMessage().contains(key), e.getMessage());
      assertTrue(e.getMessage().contains("key *** is revoked"), e.getMessage());
    });
  }

  // ---- failures ----

  @Test
  void http500CarriesTheUpstreamErrorText(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.error(500, "The server had an error while processing your request"));
    expectFailure(tc, provider(vertx).call(streaming(), new Collector()), e -> {
      assertEquals("APIStatusError", e.errorType());
      assertEquals(500, e.status());
      assertTrue(e.getMessage().contains("500"), e.getMessage());
      assertTrue(e.getMessage().contains("The server had an error while processing your request"), e.getMessage());
    });
  }

  @Test
  void a429WithOneKeyIsARateLimitError(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.error(429, "Slow down"));
    expectFailure(tc, provider(vertx).call(streaming(), new Collector()), e -> {
      assertEquals("RateLimitError", e.errorType());
      assertTrue(e.getMessage().contains("Slow down"), e.getMessage());
    });
  }

  @Test
  void aNonJsonErrorPageIsQuoted(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.rawError(502, "<html><body>502 Bad Gateway</body></html>"));
    expectFailure(tc, provider(vertx).call(new ProviderRequest(null, messages("hi"), false), null), e -> {
      assertEquals("APIStatusError", e.errorType());
      assertTrue(e.getMessage().contains("502 Bad Gateway"), e.getMessage());
    });
  }

  @Test
  void noHeadersWithinTheTimeoutIsATimeoutAndClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    fake().script(new FakeReply().hangBeforeHeaders());
    long start = System.currentTimeMillis();
    ProviderCall call = provider(vertx, new JsonObject().put("timeout", 0.5)).call(streaming(), new Collector());
    Checkpoint closed = tc.checkpoint();
    Checkpoint failed = tc.checkpoint();
    call.result().onComplete(ar -> tc.verify(() -> {
      ProviderException e = (ProviderException) ar.cause();
      assertEquals("APITimeoutError", e.errorType());
      long took = System.currentTimeMillis() - start;
      assertTrue(took >= 400 && took < 2000, "timed out after " + took + " ms");
      closedWithinOneSecond(vertx, tc, fake().lastRequest(), System.currentTimeMillis()).onSuccess(t -> closed.flag());
      failed.flag();
    }));
  }

  @Test
  void anIdleGapMidStreamIsATimeoutAndClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("a", "b", "c", "d").hangAfter(2));
    Collector c = new Collector();
    long start = System.currentTimeMillis();
    ProviderCall call = provider(vertx, new JsonObject().put("timeout", 0.5)).call(streaming(), c);
    Checkpoint closed = tc.checkpoint();
    Checkpoint failed = tc.checkpoint();
    call.result().onComplete(ar -> tc.verify(() -> {
      ProviderException e = (ProviderException) ar.cause();
      assertEquals("APITimeoutError", e.errorType());
      assertEquals(List.of("a", "b"), c.text);
      long took = System.currentTimeMillis() - start;
      assertTrue(took >= 400 && took < 2000, "timed out after " + took + " ms");
      closedWithinOneSecond(vertx, tc, fake().lastRequest(), System.currentTimeMillis()).onSuccess(t -> closed.flag());
      failed.flag();
    }));
  }

  @Test
  void slowButSteadyTokensDoNotTimeOut(Vertx vertx, VertxTestContext tc) {
    // 10 gaps of 150 ms each under a 0.5 s timeout: 1.5 s in total, but no gap is idle for the timeout.
    fake().script(FakeReply.numbered(10).delayMs(150));
    provider(vertx, new JsonObject().put("timeout", 0.5)).call(streaming(), new Collector()).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertEquals(FakeReply.numbered(10).text(), r.text());
          tc.completeNow();
        })));
  }

  @Test
  void aRefusedConnectionIsAnApiConnectionError(Vertx vertx, VertxTestContext tc) throws java.io.IOException {
    // A plain socket, not a Vert.x server: Vert.x may share a port-0 listener with this class's fake provider.
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long start = System.currentTimeMillis();
    ProviderCall call = provider(vertx, new JsonObject().put("api_base", "http://127.0.0.1:" + port + "/v1"))
        .call(streaming(), new Collector());
    expectFailure(tc, call, e -> {
      assertEquals(ProviderException.Kind.CONNECTION, e.kind());
      assertEquals("APIConnectionError", e.errorType());
      // A just-freed port can be taken by another process on a busy machine: then it is a reset, not a refusal.
      String m = e.getMessage().toLowerCase();
      assertTrue(m.contains("refused") || m.contains("reset") || m.contains("closed"), e.getMessage());
      assertTrue(System.currentTimeMillis() - start < 2000);
    });
  }

  @Test
  void aMalformedChunkIsAMalformedResponseErrorAndClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("a", "b", "c").malformedAfter(1));
    Collector c = new Collector();
    ProviderCall call = provider(vertx).call(streaming(), c);
    Checkpoint closed = tc.checkpoint();
    Checkpoint failed = tc.checkpoint();
    call.result().onComplete(ar -> tc.verify(() -> {
      ProviderException e = (ProviderException) ar.cause();
      assertEquals("MalformedResponseError", e.errorType());
      assertEquals(List.of("a"), c.text);
      closedWithinOneSecond(vertx, tc, fake().lastRequest(), System.currentTimeMillis()).onSuccess(t -> closed.flag());
      failed.flag();
    }));
  }

  @Test
  void aConnectionCutMidStreamIsAStreamInterruptedError(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("a", "b", "c").cutAfter(2));
    Collector c = new Collector();
    expectFailure(tc, provider(vertx).call(streaming(), c), e -> {
      assertEquals(ProviderException.Kind.INTERRUPTED, e.kind());
      assertEquals("StreamInterruptedError", e.errorType());
      assertEquals(List.of("a", "b"), c.text);
    });
  }

  @Test
  void anErrorEventMidStreamCarriesTheUpstreamMessage(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.tokens("a", "b").errorEventAfter(1, "Overloaded, try later"));
    Collector c = new Collector();
    expectFailure(tc, provider(vertx).call(streaming(), c), e -> {
      assertEquals("APIStatusError", e.errorType());
      assertTrue(e.getMessage().contains("Overloaded, try later"), e.getMessage());
      assertEquals(List.of("a"), c.text);
    });
  }

  // ---- cancellation ----

  @Test
  void cancelBeforeHeadersClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    fake().script(new FakeReply().hangBeforeHeaders());
    ProviderCall call = provider(vertx).call(streaming(), new Collector());
    Checkpoint closed = tc.checkpoint();
    Checkpoint cancelled = tc.checkpoint();
    fake().awaitRequest(0).onComplete(tc.succeeding(req -> {
      long at = System.currentTimeMillis();
      call.cancel();
      closedWithinOneSecond(vertx, tc, req, at).onSuccess(t -> closed.flag());
      call.result().onComplete(ar -> tc.verify(() -> {
        assertEquals(ProviderException.Kind.CANCELLED, ((ProviderException) ar.cause()).kind());
        cancelled.flag();
      }));
    }));
  }

  @Test
  void cancelMidStreamClosesTheConnectionAndStopsDeltas(Vertx vertx, VertxTestContext tc) {
    fake().script(FakeReply.numbered(50).delayMs(20));
    AtomicLong cancelledAt = new AtomicLong();
    AtomicReference<ProviderCall> ref = new AtomicReference<>();
    Collector c = new Collector(col -> {
      if (col.text.size() == 3) {
        cancelledAt.set(System.currentTimeMillis());
        ref.get().cancel();
      }
    });
    ProviderCall call = provider(vertx).call(streaming(), c);
    ref.set(call);
    Checkpoint closed = tc.checkpoint();
    Checkpoint cancelled = tc.checkpoint();
    call.result().onComplete(ar -> tc.verify(() -> {
      assertEquals(ProviderException.Kind.CANCELLED, ((ProviderException) ar.cause()).kind());
      closedWithinOneSecond(vertx, tc, fake().lastRequest(), cancelledAt.get()).onSuccess(t -> {
        // Tokens kept coming every 20 ms until the close; none may reach the listener after cancel.
        tc.verify(() -> assertEquals(3, c.text.size()));
        closed.flag();
      });
      cancelled.flag();
    }));
  }

  @Test
  void cancelOfANonStreamingCallClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    // 20 tokens x 100 ms: the fake answers after 2 s, the call is cancelled while it waits.
    fake().script(FakeReply.numbered(20).delayMs(100));
    ProviderCall call = provider(vertx).call(new ProviderRequest(null, messages("hi"), false), null);
    Checkpoint closed = tc.checkpoint();
    Checkpoint cancelled = tc.checkpoint();
    fake().awaitRequest(0).onComplete(tc.succeeding(req -> vertx.setTimer(100, t -> {
      long at = System.currentTimeMillis();
      call.cancel();
      closedWithinOneSecond(vertx, tc, req, at).onSuccess(x -> closed.flag());
      call.result().onComplete(ar -> tc.verify(() -> {
        assertEquals("CancelledError", ((ProviderException) ar.cause()).errorType());
        cancelled.flag();
      }));
    })));
  }

  @Test
  void cancelOfANonStreamingCallWaitingForTheBodyClosesTheConnection(Vertx vertx, VertxTestContext tc) {
    fake().script(new FakeReply().hangAfterHeaders());
    ProviderCall call = provider(vertx).call(new ProviderRequest(null, messages("hi"), false), null);
    Checkpoint closed = tc.checkpoint();
    fake().awaitRequest(0).onComplete(tc.succeeding(req -> vertx.setTimer(100, t -> {
      long at = System.currentTimeMillis();
      call.cancel();
      closedWithinOneSecond(vertx, tc, req, at).onSuccess(x -> closed.flag());
    })));
  }

  @Test
  void cancelInTheSameTickAsTheCallNeverReachesTheUpstream(Vertx vertx, VertxTestContext tc) {
    ChatProvider p = provider(vertx);
    AtomicReference<ProviderCall> ref = new AtomicReference<>();
    // On one context the cancel lands while the connection is still being opened: the request is never written.
    vertx.runOnContext(v -> {
      ref.set(p.call(streaming(), new Collector()));
      ref.get().cancel();
    });
    Future.<ProviderCall>future(pr -> vertx.setTimer(50, t -> pr.complete(ref.get())))
        .compose(ProviderCall::result)
        .onComplete(ar -> tc.verify(() -> {
      assertEquals(ProviderException.Kind.CANCELLED, ((ProviderException) ar.cause()).kind());
      vertx.setTimer(300, t -> tc.verify(() -> {
        assertTrue(fake().requests().isEmpty(), "the request was sent after cancel");
        tc.completeNow();
      }));
    }));
  }

  // ---- backpressure ----

  @Test
  void pauseStopsDeliveryAndResumeContinues(Vertx vertx, VertxTestContext tc) {
    // The 0.3 s timeout is shorter than the pause: a paused call must not time out.
    FakeReply reply = FakeReply.numbered(20).delayMs(10);
    fake().script(reply);
    AtomicReference<ProviderCall> ref = new AtomicReference<>();
    Collector c = new Collector(col -> {
      if (col.text.size() == 3) {
        ref.get().pause();
      }
    });
    ProviderCall call = provider(vertx, new JsonObject().put("timeout", 0.3)).call(streaming(), c);
    ref.set(call);
    Checkpoint done = tc.checkpoint();
    vertx.setPeriodic(10, id -> {
      if (c.text.size() >= 3) {
        vertx.cancelTimer(id);
        // By now the fake has sent everything; none of it may be delivered while paused.
        vertx.setTimer(600, t -> tc.verify(() -> {
          assertEquals(3, c.text.size(), "deltas were delivered while paused");
          assertFalse(call.result().isComplete(), "the call ended while paused");
          call.resume();
          call.result().onComplete(tc.succeeding(r -> tc.verify(() -> {
            assertEquals(reply.tokenList(), c.text);
            assertEquals(reply.text(), r.text());
            done.flag();
          })));
        }));
      }
    });
  }

  @Test
  void pauseFromAnotherThreadAlsoHolds(Vertx vertx, VertxTestContext tc) throws InterruptedException {
    FakeReply reply = FakeReply.numbered(30).delayMs(20);
    fake().script(reply);
    Collector c = new Collector();
    ProviderCall call = provider(vertx).call(streaming(), c);
    while (c.text.size() < 2) {
      Thread.sleep(5);
    }
    call.pause();
    Thread.sleep(50);
    int atPause = c.text.size();
    Thread.sleep(400);
    assertEquals(atPause, c.text.size(), "deltas were delivered while paused");
    call.resume();
    call.result().onComplete(tc.succeeding(r -> tc.verify(() -> {
      assertEquals(reply.text(), r.text());
      tc.completeNow();
    })));
  }

  @Test
  void pauseStopsReadingTheUpstreamSocket(Vertx vertx, VertxTestContext tc) {
    // ~49 MB sent as fast as the socket takes it (the fake honours backpressure): far more than the kernel
    // buffers of a loopback connection hold, so while the client is paused the fake's progress must stall.
    int tokens = 6000;
    FakeReply reply = FakeReply.tokens(java.util.Collections.nCopies(tokens, "x".repeat(8192)));
    long total = (long) tokens * 8192;
    fake().script(reply);
    AtomicReference<ProviderCall> ref = new AtomicReference<>();
    Collector c = new Collector(col -> {
      if (col.text.size() == 1) {
        ref.get().pause();
      }
    });
    long before = fake().streamedBytes();
    ProviderCall call = provider(vertx).call(streaming(), c);
    ref.set(call);
    vertx.setPeriodic(10, id -> {
      if (c.text.isEmpty()) {
        return;
      }
      vertx.cancelTimer(id);
      afterPause(vertx, tc, call, c, before, tokens, total);
    });
  }

  private void afterPause(Vertx vertx, VertxTestContext tc, ProviderCall call, Collector c, long before, int tokens,
      long total) {
    vertx.setTimer(400, t1 -> {
      long first = fake().streamedBytes() - before;
      vertx.setTimer(200, t2 -> tc.verify(() -> {
        long second = fake().streamedBytes() - before;
        assertEquals(1, c.text.size(), "deltas were delivered while paused");
        assertEquals(first, second, "the fake could still write while the client was paused");
        assertTrue(second < total / 2, "the fake wrote " + second + " bytes into a paused stream");
        call.resume();
        call.result().onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertEquals(tokens, c.text.size());
          assertEquals(total, r.text().length());
          assertTrue(fake().streamedBytes() - before > total);
          tc.completeNow();
        })));
      }));
    });
  }

  /** The key the request carried, in this API's header. */
  protected abstract String keyOf(RecordedRequest req);

  protected static void assertNoHeader(RecordedRequest req, String name) {
    assertNull(req.header(name), name + " should not be sent");
  }
}
