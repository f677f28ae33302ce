package dev.astrgate.provider;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/** What differs between upstream APIs: path, auth headers, request body and the answer's wire format. */
interface Dialect {
  /** Parses one SSE event of a 2xx stream. */
  interface StreamParser {
    /** Returns true when this event ends the answer ([DONE] / message_stop); throws ProviderException on bad input. */
    boolean event(String name, String data);
  }

  String path();

  /** Sets the auth headers; {@code key} is null when the source has no key (local servers). */
  void authorize(MultiMap headers, String key);

  JsonObject body(String model, ProviderRequest request, ProviderSettings settings);

  StreamParser streamParser(Answer answer);

  /** Reads a non-streaming JSON answer into {@code answer}. */
  void parseBody(JsonObject body, Answer answer);

  /** The marker whose absence means the stream was cut, for the error message. */
  String endMarker();
}
