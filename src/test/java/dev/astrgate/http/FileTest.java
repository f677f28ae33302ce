package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.ContractCheck;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.Tuple;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /api/v1/file and GET /api/v1/file: types, hostile names, limits, and a byte-exact 50 MiB round trip. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class FileTest {
  private static final long LIMIT = 60L * 1024 * 1024;
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static TestNode node;
  private static WebClient client;
  private static String key;
  private static Path small;

  @BeforeAll
  static void setUp(Vertx vertx) throws Exception {
    node = TestNode.start(Map.of("ASTRGATE_UPLOAD_MAX_BYTES", Long.toString(LIMIT)), TestNode.defaultConf());
    client = WebClient.create(vertx);
    key = node.createKey("file");
    ContractCheck.load(vertx);
    small = Files.createTempFile("astrgate-small", ".bin");
    Files.write(small, "hello, attachment".getBytes());
  }

  @AfterAll
  static void tearDown() {
    node.close();
  }

  private Future<HttpResponse<Buffer>> upload(String filename, String mime, Path file) {
    return client.post(node.port(), "127.0.0.1", "/api/v1/file").putHeader("X-API-Key", key)
        .sendMultipartForm(MultipartForm.create().binaryFileUpload("file", filename, file.toString(), mime));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "image/png, image", "image/jpeg, image", "audio/mpeg, record", "audio/wav, record", "video/mp4, video",
      "application/pdf, file", "text/plain, file", "application/octet-stream, file"})
  void typeFollowsDeclaredContentType(String mime, String type, VertxTestContext ctx) {
    upload("sample.bin", mime, small)
        .compose(r -> ContractCheck.check("post", "/api/v1/file", r))
        .compose(r -> {
          ctx.verify(() -> {
            assertEquals(200, r.statusCode(), r.bodyAsString());
            JsonObject data = r.bodyAsJsonObject().getJsonObject("data");
            assertEquals(type, data.getString("type"));
            assertEquals("sample.bin", data.getString("filename"));
            assertTrue(UUID.matcher(data.getString("attachment_id")).matches());
          });
          String id = r.bodyAsJsonObject().getJsonObject("data").getString("attachment_id");
          return client.get(node.port(), "127.0.0.1", "/api/v1/file").addQueryParam("attachment_id", id)
              .putHeader("X-API-Key", key).send();
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode());
          assertEquals(mime, r.getHeader("Content-Type"));
          assertEquals("hello, attachment", r.bodyAsString());
          ctx.completeNow();
        })));
  }

  @ParameterizedTest(name = "name [{0}]")
  @CsvSource(value = {
      "../../etc/passwd|passwd",
      "..\\..\\windows\\win.ini|win.ini",
      "/abs/path/report.txt|report.txt",
      "報告 ✓ 😀.txt|報告 ✓ 😀.txt",
      ".|UUID",
      "..|UUID",
      "dir/..|UUID"}, delimiter = '|')
  void clientNamesCannotEscape(String name, String expected, VertxTestContext ctx) {
    upload(name == null ? "" : name, "text/plain", small).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(200, r.statusCode(), r.bodyAsString());
      String stored = r.bodyAsJsonObject().getJsonObject("data").getString("filename");
      if (expected.equals("UUID")) {
        assertTrue(UUID.matcher(stored).matches(), stored);
      } else {
        assertEquals(expected, stored);
      }
      // Nothing is written under the client's name anywhere below the node's directory.
      try (Stream<Path> files = Files.walk(node.dir())) {
        assertTrue(files.noneMatch(p -> p.getFileName().toString().equals("passwd")
            || p.getFileName().toString().equals("win.ini")));
      }
      ctx.completeNow();
    })));
  }

  @Test
  void emptyFilenameBecomesUuid(VertxTestContext ctx) {
    // Browsers send filename="" for an unnamed part; the web client would drop it, so the body is written by hand.
    Buffer body = Buffer.buffer("--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
        + "Content-Type: image/png\r\n\r\nPNGDATA\r\n--XB--\r\n");
    client.post(node.port(), "127.0.0.1", "/api/v1/file").putHeader("X-API-Key", key)
        .putHeader("Content-Type", "multipart/form-data; boundary=XB").sendBuffer(body)
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          JsonObject data = r.bodyAsJsonObject().getJsonObject("data");
          assertTrue(UUID.matcher(data.getString("filename")).matches());
          assertEquals("image", data.getString("type"));
          ctx.completeNow();
        })));
  }

  @Test
  void missingFilePartIsRefused(VertxTestContext ctx) {
    client.post(node.port(), "127.0.0.1", "/api/v1/file").putHeader("X-API-Key", key)
        .sendMultipartForm(MultipartForm.create().attribute("file", "not a file").attribute("other", "x"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(400, r.statusCode());
          assertEquals("Missing key: file", r.bodyAsJsonObject().getString("message"));
          ctx.completeNow();
        })));
  }

  @Test
  void downloadErrors(VertxTestContext ctx) {
    Future<HttpResponse<Buffer>> unknown = client.get(node.port(), "127.0.0.1", "/api/v1/file")
        .addQueryParam("attachment_id", "no-such-id").putHeader("X-API-Key", key).send();
    Future<HttpResponse<Buffer>> missing = client.get(node.port(), "127.0.0.1", "/api/v1/file")
        .putHeader("X-API-Key", key).send();
    Future.all(unknown, missing).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertEquals(404, unknown.result().statusCode());
      assertEquals("attachment not found: no-such-id", unknown.result().bodyAsJsonObject().getString("message"));
      assertEquals(400, missing.result().statusCode());
      assertEquals("Missing key: attachment_id", missing.result().bodyAsJsonObject().getString("message"));
      ctx.completeNow();
    })));
  }

  @Test
  void overTheLimitIs413AndStoresNothing(VertxTestContext ctx) throws Exception {
    Path big = Files.createTempFile("astrgate-big", ".bin");
    writeRandom(big, LIMIT + 1024 * 1024, 7);
    long before = countAttachments();
    upload("big.bin", "application/octet-stream", big).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(413, r.statusCode());
      assertEquals("error", r.bodyAsJsonObject().getString("status"));
      assertTrue(r.bodyAsJsonObject().getString("message").contains(Long.toString(LIMIT)));
      assertEquals(before, countAttachments());
      Files.deleteIfExists(big);
      ctx.completeNow();
    })));
  }

  @Test
  void fiftyMebibytesRoundTripByteForByte(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path file = Files.createTempFile("astrgate-50m", ".bin");
    String expected = writeRandom(file, 50L * 1024 * 1024, 42);
    HttpClient http = vertx.createHttpClient();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    long[] received = {0};
    upload("video.mp4", "video/mp4", file)
        .compose(r -> {
          String id = r.bodyAsJsonObject().getJsonObject("data").getString("attachment_id");
          return http.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(node.port()).setHost("127.0.0.1")
              .setURI("/api/v1/file?attachment_id=" + id).putHeader("X-API-Key", key));
        })
        .compose(req -> req.send())
        .compose((HttpClientResponse resp) -> {
          ctx.verify(() -> {
            assertEquals(200, resp.statusCode());
            assertEquals(Long.toString(50L * 1024 * 1024), resp.getHeader("Content-Length"));
            assertEquals("video/mp4", resp.getHeader("Content-Type"));
            assertTrue(resp.getHeader("Content-Disposition").contains("video.mp4"));
          });
          resp.handler(buf -> {
            md.update(buf.getBytes());
            received[0] += buf.length();
          });
          return resp.end();
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertEquals(50L * 1024 * 1024, received[0]);
          assertEquals(expected, HexFormat.of().formatHex(md.digest()));
          Files.deleteIfExists(file);
          // The temporary upload is gone once the request ended.
          try (Stream<Path> leftovers = Files.list(node.dir().resolve("data").resolve("uploads"))) {
            assertEquals(0, leftovers.count());
          }
          ctx.completeNow();
        })));
  }

  @Test
  void uploadedBytesAreStoredInChunks(VertxTestContext ctx) throws Exception {
    Path file = Files.createTempFile("astrgate-2m", ".bin");
    writeRandom(file, 2L * 1024 * 1024 + 5, 3);
    upload("two.bin", "application/octet-stream", file).compose(r -> {
      String id = r.bodyAsJsonObject().getJsonObject("data").getString("attachment_id");
      return node.pool().preparedQuery("SELECT count(*), max(length(data)) FROM attachment_chunks WHERE attachment_id = $1")
          .execute(Tuple.of(id));
    }).onComplete(ctx.succeeding(rows -> ctx.verify(() -> {
      var row = rows.iterator().next();
      assertEquals(5L, row.getLong(0));
      assertNotEquals(0, row.getInteger(1));
      assertTrue(row.getInteger(1) <= 512 * 1024);
      ctx.completeNow();
    })));
  }

  private static long countAttachments() {
    return TestNode.await(node.pool().query("SELECT count(*) FROM attachments").execute()).iterator().next().getLong(0);
  }

  private static String writeRandom(Path file, long size, long seed) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    Random random = new Random(seed);
    byte[] block = new byte[1024 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      long left = size;
      while (left > 0) {
        random.nextBytes(block);
        int n = (int) Math.min(block.length, left);
        out.write(block, 0, n);
        md.update(block, 0, n);
        left -= n;
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
