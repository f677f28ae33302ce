package dev.astrgate.fakes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a fake LLM answers to one request: tokens (with an optional delay before each), reasoning, usage, or an
 * HTTP error, or a fault (hang, malformed chunk, cut connection, mid-stream error event). A fluent builder;
 * the fake copies it when scripted, so one instance can be reused.
 */
public final class FakeReply {
  /** A failure injected into the answer. */
  public enum Fault {
    NONE,
    /** Read the request, never answer. */
    HANG_BEFORE_HEADERS,
    /** Send 200 headers, then nothing (streaming: not even the first event; non-streaming: no body). */
    HANG_AFTER_HEADERS,
    /** Stream {@code faultAfter} text tokens, then nothing. */
    HANG_MID_STREAM,
    /** Stream {@code faultAfter} text tokens, then a chunk that is not JSON, then nothing. */
    MALFORMED,
    /** Stream {@code faultAfter} text tokens, then close the TCP connection. */
    CUT,
    /** Stream {@code faultAfter} text tokens, then the API's own error event, then end the response. */
    ERROR_EVENT
  }

  List<String> tokens = List.of("Hello", ", ", "world", "!");
  List<String> reasoning = List.of();
  long delayMs;
  long promptTokens = 12;
  long cachedTokens;
  long completionTokens = -1;
  int status = 200;
  String errorMessage;
  String rawErrorBody;
  Fault fault = Fault.NONE;
  int faultAfter;
  int splitBytes;
  String finishReason;
  boolean omitEndMarker;
  boolean ignoreStream;

  public static FakeReply tokens(String... tokens) {
    FakeReply r = new FakeReply();
    r.tokens = List.of(tokens);
    return r;
  }

  public static FakeReply tokens(List<String> tokens) {
    FakeReply r = new FakeReply();
    r.tokens = List.copyOf(tokens);
    return r;
  }

  /** {@code n} tokens "t0 ", "t1 ", ... (for load tests). */
  public static FakeReply numbered(int n) {
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add("t" + i + " ");
    }
    return tokens(list);
  }

  /** An HTTP error with the API's own JSON error body carrying {@code message}. */
  public static FakeReply error(int status, String message) {
    FakeReply r = new FakeReply();
    r.status = status;
    r.errorMessage = message;
    return r;
  }

  /** An HTTP error with exactly this body (e.g. an HTML page from a proxy). */
  public static FakeReply rawError(int status, String body) {
    FakeReply r = new FakeReply();
    r.status = status;
    r.rawErrorBody = body;
    return r;
  }

  public FakeReply reasoning(String... tokens) {
    reasoning = List.of(tokens);
    return this;
  }

  /** Wait this long before each token (reasoning and text); non-streaming waits the sum before answering. */
  public FakeReply delayMs(long ms) {
    delayMs = ms;
    return this;
  }

  /** OpenAI semantics: {@code prompt} includes {@code cached}. The Anthropic fake sends input = prompt - cached. */
  public FakeReply usage(long prompt, long cached, long completion) {
    promptTokens = prompt;
    cachedTokens = cached;
    completionTokens = completion;
    return this;
  }

  public FakeReply hangBeforeHeaders() {
    return fault(Fault.HANG_BEFORE_HEADERS, 0);
  }

  public FakeReply hangAfterHeaders() {
    return fault(Fault.HANG_AFTER_HEADERS, 0);
  }

  public FakeReply hangAfter(int tokens) {
    return fault(Fault.HANG_MID_STREAM, tokens);
  }

  public FakeReply malformedAfter(int tokens) {
    return fault(Fault.MALFORMED, tokens);
  }

  public FakeReply cutAfter(int tokens) {
    return fault(Fault.CUT, tokens);
  }

  public FakeReply errorEventAfter(int tokens, String message) {
    errorMessage = message;
    return fault(Fault.ERROR_EVENT, tokens);
  }

  public FakeReply fault(Fault fault, int afterTokens) {
    this.fault = fault;
    this.faultAfter = afterTokens;
    return this;
  }

  /** Write every SSE frame in pieces of this many bytes, each its own HTTP chunk (splits UTF-8 characters). */
  public FakeReply splitBytes(int n) {
    splitBytes = n;
    return this;
  }

  public FakeReply finishReason(String reason) {
    finishReason = reason;
    return this;
  }

  /** End the response cleanly but without [DONE] / message_stop. */
  public FakeReply omitEndMarker() {
    omitEndMarker = true;
    return this;
  }

  /** Answer with the non-streaming JSON even when the request asked for a stream (as some servers do). */
  public FakeReply ignoreStream() {
    ignoreStream = true;
    return this;
  }

  /** The full text the tokens make. */
  public String text() {
    return String.join("", tokens);
  }

  public String reasoningText() {
    return String.join("", reasoning);
  }

  public List<String> tokenList() {
    return tokens;
  }

  long completion() {
    return completionTokens >= 0 ? completionTokens : tokens.size() + reasoning.size();
  }

  FakeReply copy() {
    FakeReply r = new FakeReply();
    r.tokens = tokens;
    r.reasoning = reasoning;
    r.delayMs = delayMs;
    r.promptTokens = promptTokens;
    r.cachedTokens = cachedTokens;
    r.completionTokens = completionTokens;
    r.status = status;
    r.errorMessage = errorMessage;
    r.rawErrorBody = rawErrorBody;
    r.fault = fault;
    r.faultAfter = faultAfter;
    r.splitBytes = splitBytes;
    r.finishReason = finishReason;
    r.omitEndMarker = omitEndMarker;
    r.ignoreStream = ignoreStream;
    return r;
  }

  @Override
  public String toString() {
    return "FakeReply" + Arrays.asList(status, fault, faultAfter, tokens.size(), delayMs);
  }
}
