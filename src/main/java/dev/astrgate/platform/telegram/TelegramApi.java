package dev.astrgate.platform.telegram;

import dev.astrgate.platform.SendFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;

/**
 * Telegram Bot API calls: {@code <api base><token>/<method>}, where the base is AstrBot's
 * {@code telegram_api_base_url} ({@code https://api.telegram.org/bot}, the token appended directly); a host-only base
 * ({@code https://api.telegram.org}) gets {@code /bot} added. Files: {@code <file base><token>/<file_path>}
 * ({@code telegram_file_base_url}, {@code https://api.telegram.org/file/bot}). Failures carry Telegram's
 * {@code description}. The token is part of every URL, so no URL or raw client error text ever leaves this class
 * without the token masked.
 */
final class TelegramApi {
  /** Upstream's defaults for the two keys. */
  static final String DEFAULT_API_BASE = "https://api.telegram.org/bot";
  static final String DEFAULT_FILE_BASE = "https://api.telegram.org/file/bot";

  private final WebClient client;
  private final String apiPrefix;
  private final String filePrefix;
  private final String token;

  TelegramApi(WebClient client, String apiBaseUrl, String fileBaseUrl, String token) {
    this.client = client;
    this.apiPrefix = apiPrefix(apiBaseUrl);
    this.filePrefix = filePrefix(fileBaseUrl, apiPrefix);
    this.token = token;
  }

  /** {@code …/bot} as upstream writes it, or a host-only URL (today's astrgate configs), both to {@code …/bot}. */
  static String apiPrefix(String base) {
    String b = trimSlashes(base == null || base.isBlank() ? DEFAULT_API_BASE : base.strip());
    return b.endsWith("/bot") ? b : b + "/bot";
  }

  /** {@code …/file/bot}, a host-only URL, or (unset) derived from the API base's host, all to {@code …/file/bot}. */
  static String filePrefix(String base, String apiPrefix) {
    if (base == null || base.isBlank()) {
      return apiPrefix.substring(0, apiPrefix.length() - "/bot".length()) + "/file/bot";
    }
    String b = trimSlashes(base.strip());
    return b.endsWith("/file/bot") ? b : b + "/file/bot";
  }

  private static String trimSlashes(String s) {
    String out = s;
    while (out.endsWith("/")) {
      out = out.substring(0, out.length() - 1);
    }
    return out;
  }

  /** The URL a method is called on (holds the token: never log it). */
  String methodUrl(String method) {
    return apiPrefix + token + "/" + method;
  }

  /** The download URL of a {@code file_path} from {@code getFile} (holds the token: never log it). */
  String fileUrl(String filePath) {
    return filePrefix + token + "/" + filePath;
  }

  /** Calls a method with a JSON body; {@code timeoutMs} bounds the whole exchange. */
  Future<Object> call(String method, JsonObject params, long timeoutMs) {
    return client.postAbs(methodUrl(method)).timeout(timeoutMs)
        .sendJsonObject(params)
        .transform(ar -> result(method, ar.succeeded() ? ar.result() : null, ar.cause()));
  }

  /** Calls an upload method ({@code sendPhoto}, {@code sendVoice}, …) as multipart. */
  Future<Object> upload(String method, MultipartForm form, long timeoutMs) {
    return client.postAbs(methodUrl(method)).timeout(timeoutMs)
        .sendMultipartForm(form)
        .transform(ar -> result(method, ar.succeeded() ? ar.result() : null, ar.cause()));
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
