package dev.astrgate.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;

/** Blocking HTTP helpers for tests that run on the test thread (never on an event loop). */
public final class Http {
  private final WebClient client;
  private final String key;

  public Http(Vertx vertx, String key) {
    this.client = WebClient.create(vertx, new WebClientOptions());
    this.key = key;
  }

  /** POST /api/v1/im/message with a raw body and content type. */
  public HttpResponse<Buffer> imMessage(int port, String contentType, String body) {
    var req = client.post(port, "127.0.0.1", "/api/v1/im/message").putHeader("X-API-Key", key);
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return TestNode.await(req.sendBuffer(Buffer.buffer(body)));
  }

  public HttpResponse<Buffer> imMessage(int port, JsonObject body) {
    return imMessage(port, "application/json", body.encode());
  }

  public HttpResponse<Buffer> get(int port, String path) {
    return TestNode.await(client.get(port, "127.0.0.1", path).send());
  }

  /** Uploads bytes as an attachment and answers its id. */
  public String upload(int port, String filename, String mime, byte[] bytes) {
    HttpResponse<Buffer> r = TestNode.await(client.post(port, "127.0.0.1", "/api/v1/file").putHeader("X-API-Key", key)
        .sendMultipartForm(MultipartForm.create().binaryFileUpload("file", filename, Buffer.buffer(bytes), mime)));
    return r.bodyAsJsonObject().getJsonObject("data").getString("attachment_id");
  }

  public void close() {
    client.close();
  }
}
