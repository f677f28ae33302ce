package dev.astrgate.platform.worker;

import java.util.Set;

/**
 * The worker protocol's addresses and error texts (docs/workers.md). These are the bridge's permitted addresses,
 * exactly: nothing a worker sends reaches any other address of the event bus.
 */
public final class WorkerProtocol {
  private WorkerProtocol() {
  }

  /** Worker → node, request: take a platform (the frame carries the API key). */
  public static final String CLAIM = "astrgate.worker.claim";
  /** Worker → node, request: a user message ({@code InboundMessage} JSON). */
  public static final String INBOUND = "astrgate.worker.inbound";
  /** Worker → node, request: the bytes of an attachment a send named by id. */
  public static final String ATTACHMENT = "astrgate.worker.attachment";
  /** Node → worker: sends ({@code SendRequest} JSON) to deliver; the worker registers it and answers each one. */
  public static final String SEND = "astrgate.worker.send";

  /** Addresses a worker may {@code send} to (besides the reply addresses the node gave it). */
  public static final Set<String> REQUESTS = Set.of(CLAIM, INBOUND, ATTACHMENT);
  /** Addresses a worker may {@code register}. */
  public static final Set<String> REGISTRABLE = Set.of(SEND);

  /** Failure codes of refused requests (the err frame's {@code failureCode}), HTTP-like. */
  public static final int BAD_REQUEST = 400;
  public static final int UNAUTHORIZED = 401;
  public static final int FORBIDDEN = 403;
  public static final int NOT_FOUND = 404;
  public static final int CONFLICT = 409;
  public static final int TOO_LARGE = 413;
  public static final int UNAVAILABLE = 503;

  /** A send waits this long for the worker's answer (below the routing unit's 45 s, so this text wins). */
  public static final long SEND_TIMEOUT_MS = 30_000;
  /** Attachments up to this size travel inside the send; larger ones are fetched through {@link #ATTACHMENT}. */
  public static final long INLINE_MAX_BYTES = 256 * 1024;
}
