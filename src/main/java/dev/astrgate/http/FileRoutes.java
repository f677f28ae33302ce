package dev.astrgate.http;

import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** POST /api/v1/file (multipart upload into PostgreSQL) and GET /api/v1/file?attachment_id= (chunked download). */
final class FileRoutes {
  private final StoreClient store;
  private final long maxBytes;

  FileRoutes(StoreClient store, long maxBytes) {
    this.store = store;
    this.maxBytes = maxBytes;
  }

  void upload(RoutingContext ctx) {
    FileUpload upload = ctx.fileUploads().stream().filter(f -> "file".equals(f.name())).findFirst().orElse(null);
    if (upload == null) {
      throw ApiError.badRequest("Missing key: file");
    }
    if (upload.size() > maxBytes) {
      throw new ApiError(413, "File too large: the limit is " + maxBytes + " bytes");
    }
    String filename = Filenames.sanitize(upload.fileName());
    String mime = upload.contentType() == null || upload.contentType().isBlank()
        ? "application/octet-stream" : upload.contentType();
    String type = Filenames.typeOf(mime);
    store.saveAttachment(upload.uploadedFileName(), filename, mime, type, upload.size())
        .onSuccess(a -> Responses.ok(ctx, new JsonObject()
            .put("attachment_id", a.attachmentId())
            .put("filename", a.filename())
            .put("type", a.type())))
        .onFailure(ctx::fail);
  }

  void download(RoutingContext ctx) {
    String id = ctx.request().getParam("attachment_id");
    if (id == null || id.isBlank()) {
      throw ApiError.badRequest("Missing key: attachment_id");
    }
    String attachmentId = id.strip();
    InputChecks.text("attachment_id", attachmentId, InputChecks.limits(ctx).attachmentId());
    store.findAttachment(attachmentId).onSuccess(found -> {
      if (found.isEmpty()) {
        ctx.fail(ApiError.notFound("attachment not found: " + attachmentId));
        return;
      }
      var a = found.get();
      HttpServerResponse resp = ctx.response()
          .putHeader("Content-Type", a.mimeType())
          .putHeader("Content-Length", Long.toString(a.sizeBytes()))
          .putHeader("Content-Disposition", contentDisposition(a.filename()))
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("ETag", "\"" + a.sha256() + "\"");
      pump(resp, attachmentId, 0, a.chunkCount());
    }).onFailure(ctx::fail);
  }

  /** One chunk in flight at a time: the next is read only once the previous one reached the socket. */
  private void pump(HttpServerResponse resp, String attachmentId, int seq, int count) {
    if (seq == count) {
      resp.end();
      return;
    }
    Future<Void> written = store.readChunk(attachmentId, seq).compose(resp::write);
    written.onSuccess(v -> pump(resp, attachmentId, seq + 1, count))
        .onFailure(err -> resp.reset());
  }

  static String contentDisposition(String filename) {
    String ascii = filename.replaceAll("[^\\x20-\\x7e]", "_").replace("\"", "_").replace("\\", "_");
    String encoded = URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }
}
