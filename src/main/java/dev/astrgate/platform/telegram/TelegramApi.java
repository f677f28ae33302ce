package dev.astrgate.platform.telegram;

import dev.astrgate.platform.SendFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;

/**
 * Telegram Bot API calls: {@code <base>/bot<token>/<method>}. Failures carry Telegram's {@code description}. The token
 * is part of every URL, so no URL or raw client error text ever leaves this class without the token masked.
 */
final class TelegramApi {
  private final WebClient client;
  private final String base;
  private final String token;

  TelegramApi(WebClient client, String baseUrl, String token) {
    this.client = client;
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
  }

  /** Calls a method with a JSON body; {@code timeoutMs} bounds the whole exchange. */
  Future<Object> call(String method, JsonObject params, long timeoutMs) {
    return client.postAbs(url(method)).timeout(timeoutMs)
        .sendJsonObject(params)
        .transform(ar -> result(method, ar.succeeded() ? ar.result() : null, ar.cause()));
  }

  /** Calls an upload method ({@code sendPhoto}, {@code sendVoice}, …) as multipart. */
  Future<Object> upload(String method, MultipartForm form, long timeoutMs) {
    return client.postAbs(url(method)).timeout(timeoutMs)
        .sendMultipartForm(form)
        .transform(ar -> result(method, ar.succeeded() ? ar.result() : null, ar.cause()));
  }

  /** The one place a method's URL is built. */
  private String url(String method) {
    return base + "/bot" + token + "/" + method;
  }

  private Future<Object> result(String method, HttpResponse<Buffer> resp, Throwable err) {
    if (resp == null) {
      return Future.failedFuture(SendFailure.refused("Telegram API " + method + " unreachable: " + mask(err)));
    }
    JsonObject body;
    try {
      body = resp.bodyAsJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body != null && Boolean.TRUE.equals(body.getValue("ok"))) {
      return Future.succeededFuture(body.getValue("result"));
    }
    String description = body != null && body.getValue("description") instanceof String d ? d
        : "HTTP " + resp.statusCode() + " from Telegram API " + method;
    return Future.failedFuture(new TelegramException(description,
        body != null && body.getValue("error_code") instanceof Number n ? n.intValue() : resp.statusCode()));
  }

  String mask(Throwable err) {
    String text = err == null ? "unknown error" : err.getClass().getSimpleName() + ": " + err.getMessage();
    return token.isEmpty() ? text : text.replace(token, "<token>");
  }

  /** Telegram answered {@code ok: false}; the message is its {@code description}. */
  static final class TelegramException extends RuntimeException {
    private final int errorCode;

    TelegramException(String description, int errorCode) {
      super(description, null, false, false);
      this.errorCode = errorCode;
    }

    int errorCode() {
      return errorCode;
    }
  }
}
