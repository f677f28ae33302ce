package dev.astrgate.provider;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider call: sends the request, rotates keys on 401/429, parses the answer as it arrives and enforces
 * the timeout. All state lives on the caller's context; cancel/pause/resume hop onto it from other threads.
 *
 * <p>The response body is piped (by WebClient) into the current {@link Attempt}, a WriteStream whose
 * {@code writeQueueFull()} is true while paused: the pipe then pauses the HttpClientResponse, which stops
 * reading the socket. Cancel resets the HttpClientRequest, which for HTTP/1.1 closes the connection.
 */
final class UpstreamCall implements ProviderCall {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamCall.class);
  /** An error body is only read for its message. */
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_JSON_BODY = 64 * 1024 * 1024;

  private final HttpChatProvider provider;
  private final ProviderRequest request;
  private final ProviderListener listener;
  private final Context ctx;
  private final Vertx vertx;
  private final Promise<ProviderResult> promise = Promise.promise();
  private final Buffer requestBody;
  private final long timeoutNanos;
  private final long startNanos = System.nanoTime();

  // Touched on ctx only.
  private Answer answer;
  private Attempt attempt;
  private int tries;
  private boolean done;
  private boolean paused;
  private long timerId = -1;
  private long lastActivity;

  UpstreamCall(HttpChatProvider provider, ProviderRequest request, ProviderListener listener, Context ctx) {
    this.provider = provider;
    this.request = request;
    this.listener = listener;
    this.ctx = ctx;
    this.vertx = provider.vertx();
    String model = request.model() == null || request.model().isBlank() ? provider.model() : request.model();
    JsonObject body = provider.dialect().body(model, request, provider.settings());
    this.requestBody = body.toBuffer();
    this.timeoutNanos = provider.settings().timeoutMs() * 1_000_000L;
  }

  void start() {
    onContext(() -> {
      if (!done) {
        send(provider.keys().current());
      }
    });
  }

  @Override
  public Future<ProviderResult> result() {
    return promise.future();
  }

  @Override
  public void cancel() {
    onContext(() -> fail(ProviderException.cancelled(), true));
  }

  @Override
  public void pause() {
    onContext(() -> paused = true);
  }

  @Override
  public void resume() {
    onContext(() -> {
      if (!paused) {
        return;
      }
      paused = false;
      Attempt a = attempt;
      if (done || a == null) {
        return;
      }
      touch();
      armTimer();
      if (a.decoder != null) {
        a.pump();
      }
      if (!a.live() || paused) {
        return;
      }
      if (a.endPending) {
        a.endPending = false;
        a.endOfStream();
      } else {
        a.releaseDrain();
      }
    });
  }

  private void send(int keyIndex) {
    tries++;
    Attempt a = new Attempt(keyIndex);
    attempt = a;
    // Nothing reached the listener before a retry (401/429 come before any byte), so a fresh answer is right.
    answer = new Answer(request.stream() ? listener : ProviderListener.NONE);
    HttpRequest<Void> http = provider.web().postAbs(provider.url()).followRedirects(false).as(a);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .set(HttpHeaders.CONTENT_TYPE, "application/json")
        .set(HttpHeaders.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
    provider.dialect().authorize(headers, provider.keys().key(keyIndex));
    provider.settings().customHeaders().forEach(headers::set);
    http.putHeaders(headers);
    touch();
    disarm();
    armTimer();
    http.sendBuffer(requestBody).onComplete(a::completed);
  }

  private void touch() {
    lastActivity = System.nanoTime();
  }

  /**
   * One timer per timeout window rather than one per chunk: when it fires it checks the time since the last
   * activity and re-arms for the rest. While paused after the headers it lapses; resume re-arms it.
   */
  private void armTimer() {
    if (timerId < 0 && !done) {
      timerId = vertx.setTimer(Math.max(1, timeoutNanos / 1_000_000L), this::onTimer);
    }
  }

  private void disarm() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private void onTimer(long id) {
    if (id != timerId) {
      return;
    }
    timerId = -1;
    Attempt a = attempt;
    if (done || a == null || paused && a.status != 0) {
      return;
    }
    long idle = System.nanoTime() - lastActivity;
    if (idle < timeoutNanos) {
      timerId = vertx.setTimer(Math.max(1, (timeoutNanos - idle) / 1_000_000L), this::onTimer);
      return;
    }
    String seconds = seconds(timeoutNanos);
    fail(ProviderException.timeout(a.status == 0
        ? "Request timed out: no response headers from upstream within " + seconds
        : "Request timed out: upstream sent nothing for " + seconds + " in the middle of the response"), true);
  }

  private void succeed() {
    if (done) {
      return;
    }
    done = true;
    disarm();
    ProviderResult result = answer.result();
    if (attempt != null) {
      attempt.releaseDrain();
    }
    LOG.debug("provider call done provider={} ms={} chars={} input={} cached={} output={} finish={}",
        provider.id(), elapsedMs(), result.text().length(), result.usage().inputOther(), result.usage().inputCached(),
        result.usage().output(), result.finishReason());
    promise.tryComplete(result);
  }

  /** Ends the call with {@code e}; {@code abort} also resets the upstream request (closing its connection). */
  private void fail(ProviderException e, boolean abort) {
    if (done) {
      return;
    }
    done = true;
    disarm();
    ProviderException safe = redacted(e);
    Attempt a = attempt;
    if (abort && a != null) {
      a.abort();
    }
    if (safe.kind() == ProviderException.Kind.CANCELLED) {
      LOG.info("provider call cancelled provider={} ms={} headers={} chars={}", provider.id(), elapsedMs(),
          a != null && a.status != 0, answer == null ? 0 : answer.textSoFar().length());
    } else {
      LOG.warn("provider call failed provider={} type={} status={} ms={} message={}", provider.id(),
          safe.errorType(), safe.status(), elapsedMs(), safe.getMessage());
    }
    promise.tryFail(safe);
  }

  private ProviderException redacted(ProviderException e) {
    String message = provider.keys().redact(e.getMessage());
    return message.equals(e.getMessage()) ? e
        : new ProviderException(e.kind(), e.errorType(), message, e.status(), e.getCause());
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == ctx) {
      action.run();
    } else {
      ctx.runOnContext(v -> action.run());
    }
  }

  private long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000L;
  }

  private static String seconds(long nanos) {
    double s = nanos / 1e9;
    return (s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s)) + " s";
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  /**
   * One HTTP exchange with one key. It is the request's BodyCodec, so the interceptor can find it from the
   * WebClient context, and the WriteStream the response body is piped into.
   */
  final class Attempt implements BodyCodec<Void>, BodyStream<Void> {
    private final int keyIndex;
    private final Promise<Void> ended = Promise.promise();
    private HttpClientRequest clientRequest;
    private int status;
    private boolean sse;
    private Buffer body;
    private SseDecoder decoder;
    private Dialect.StreamParser parser;
    private Handler<Void> drainHandler;
    private boolean endPending;

    Attempt(int keyIndex) {
      this.keyIndex = keyIndex;
    }

    boolean live() {
      return attempt == this && !done;
    }

    /** The request is about to be written; false means the call is already over and it must be dropped. */
    boolean onSend(HttpClientRequest req) {
      clientRequest = req;
      return live();
    }

    void onHeaders(HttpClientResponse response) {
      if (!live()) {
        return;
      }
      touch();
      status = response.statusCode();
      String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
      // Some servers ignore "stream": a JSON answer to a streaming request is read whole and delivered at once.
      sse = request.stream() && status / 100 == 2
          && (type == null || !type.toLowerCase(Locale.ROOT).contains("json"));
      if (sse) {
        decoder = new SseDecoder();
        parser = provider.dialect().streamParser(answer);
      } else {
        body = Buffer.buffer();
      }
    }

    void abort() {
      if (clientRequest != null) {
        clientRequest.reset();
      }
      // Else the interceptor drops the request when its connection is ready (onSend returns false).
    }

    void pump() {
      try {
        decoder.drain(() -> paused || !live(), this::onEvent);
      } catch (ProviderException e) {
        fail(e, true);
      } catch (RuntimeException e) {
        LOG.warn("provider listener failed provider={}", provider.id(), e);
        fail(ProviderException.interrupted("delivering the answer failed: " + describe(e), e), true);
      }
    }

    private void onEvent(String name, String data) {
      if (parser.event(name, data)) {
        succeed();
      }
    }

    void releaseDrain() {
      Handler<Void> h = drainHandler;
      drainHandler = null;
      if (h != null) {
        h.handle(null);
      }
    }

    void completed(AsyncResult<HttpResponse<Void>> ar) {
      if (!live()) {
        return;
      }
      if (ar.failed()) {
        fail(failureOf(ar.cause()), false);
      } else if (status / 100 != 2) {
        rejected();
      } else if (!sse) {
        wholeBody();
      } else if (paused && decoder.hasPending()) {
        // Events still wait behind the pause; resume finishes the stream after delivering them.
        endPending = true;
      } else {
        endOfStream();
      }
    }

    private void rejected() {
      String message = UpstreamErrors.statusMessage(status, body.toString(StandardCharsets.UTF_8));
      KeyRing keys = provider.keys();
      if ((status == 401 || status == 429) && tries < keys.size()) {
        int next = keys.advanceFrom(keyIndex);
        LOG.warn("provider key rejected provider={} status={} key_index={} next_index={}", provider.id(), status,
            keyIndex, next);
        send(next);
        return;
      }
      fail(ProviderException.httpStatus(status, message), false);
    }

    private void wholeBody() {
      try {
        JsonObject json = JsonRead.parseObject(body.toString(StandardCharsets.UTF_8), "response body");
        provider.dialect().parseBody(json, answer);
      } catch (ProviderException e) {
        fail(e, false);
        return;
      } catch (RuntimeException e) {
        LOG.warn("provider listener failed provider={}", provider.id(), e);
        fail(ProviderException.interrupted("delivering the answer failed: " + describe(e), e), false);
        return;
      }
      succeed();
    }

    void endOfStream() {
      try {
        decoder.finish(this::onEvent);
      } catch (ProviderException e) {
        fail(e, false);
        return;
      }
      if (!live()) {
        return;
      }
      if (answer.finished()) {
        // Some OpenAI-compatible servers close cleanly after finish_reason without [DONE]; the answer is whole.
        LOG.debug("provider stream ended without end marker provider={}", provider.id());
        succeed();
      } else {
        fail(ProviderException.interrupted("the stream ended before " + provider.dialect().endMarker()
            + " after " + answer.textSoFar().length() + " characters of text", null), false);
      }
    }

    private ProviderException failureOf(Throwable t) {
      if (t instanceof ProviderException pe) {
        return pe;
      }
      if (status == 0) {
        if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
          return ProviderException.timeout("Request timed out: " + describe(t));
        }
        return ProviderException.connection("Connection error: " + describe(t), t);
      }
      return ProviderException.interrupted("the connection to the upstream was lost in the middle of the response: "
          + describe(t), t);
    }

    // BodyCodec: the attempt is its own single-use body stream.
    @Override
    public BodyStream<Void> stream() {
      return this;
    }

    @Override
    public Future<Void> result() {
      return ended.future();
    }

    @Override
    public void handle(Throwable failure) {
      ended.tryFail(failure);
    }

    @Override
    public Future<Void> write(Buffer chunk) {
      if (!live()) {
        return Future.succeededFuture();
      }
      touch();
      if (sse) {
        decoder.feed(chunk);
        pump();
      } else if (body.length() + chunk.length() <= (status / 100 == 2 ? MAX_JSON_BODY : MAX_ERROR_BODY)) {
        body.appendBuffer(chunk);
      } else if (status / 100 == 2) {
        fail(ProviderException.malformed("response body larger than " + MAX_JSON_BODY + " bytes"), true);
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      // Judged in completed(): a pipe also ends its destination when the source failed.
      ended.tryComplete();
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return paused && live();
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      drainHandler = handler;
      return this;
    }
  }
}
