package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The browser pages over plain HTTP: public, served from the jar, and no change to /api/v1's answers. */
class WebRoutesTest {
  private static Vertx vertx;
  private static WebClient client;
  private static TestNode node;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    node = TestNode.start();
  }

  @AfterAll
  static void tearDown() {
    node.close();
    TestNode.await(vertx.close());
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String path) {
    return TestNode.await(client.request(method, node.port(), "127.0.0.1", path).send());
  }

  @Test
  void pagesNeedNoKey() {
    HttpResponse<Buffer> index = send(HttpMethod.GET, "/");
    assertEquals(200, index.statusCode());
    assertTrue(index.getHeader("Content-Type").startsWith("text/html"), index.getHeader("Content-Type"));
    assertTrue(index.bodyAsString().contains("/assets/app.js"));
    assertNotNull(index.getHeader("Content-Security-Policy"));

    HttpResponse<Buffer> js = send(HttpMethod.GET, "/assets/app.js");
    assertEquals(200, js.statusCode());
    assertTrue(js.getHeader("Content-Type").contains("javascript"), js.getHeader("Content-Type"));

    HttpResponse<Buffer> docs = send(HttpMethod.GET, "/docs");
    assertEquals(200, docs.statusCode());
    assertTrue(docs.bodyAsString().contains("/docs/swagger-ui/swagger-ui-bundle.js"));

    HttpResponse<Buffer> bundle = send(HttpMethod.GET, "/docs/swagger-ui/swagger-ui-bundle.js");
    assertEquals(200, bundle.statusCode());
    assertTrue(bundle.body().length() > 100_000, "the webjar's bundle is served");
    assertEquals(200, send(HttpMethod.GET, "/docs/swagger-ui/swagger-ui.css").statusCode());
    for (String path : new String[] {"/", "/assets/app.css", "/docs", "/docs/swagger-ui/swagger-ui.css"}) {
      HttpResponse<Buffer> head = send(HttpMethod.HEAD, path);
      assertEquals(200, head.statusCode(), "HEAD " + path);
      assertEquals(null, head.body(), "HEAD " + path + " has no body");
    }
  }

  @Test
  void unknownPathsStillGetTheEnvelope() {
    for (String path : new String[] {"/assets/nope.js", "/docs/swagger-ui/nope.js", "/nope", "/assets/../openapi.json",
        "/docs/swagger-ui/../../../META-INF/MANIFEST.MF"}) {
      HttpResponse<Buffer> r = send(HttpMethod.GET, path);
      assertEquals(404, r.statusCode(), path);
      assertEquals("error", r.bodyAsJsonObject().getString("status"), path);
    }
    assertEquals(405, send(HttpMethod.POST, "/").statusCode());
  }

  @Test
  void apiStillNeedsAKey() {
    HttpResponse<Buffer> r = send(HttpMethod.GET, "/api/v1/im/bots");
    assertEquals(401, r.statusCode());
    assertEquals("Missing API key", r.bodyAsJsonObject().getString("message"));
    assertEquals(401, send(HttpMethod.GET, "/api/v1/").statusCode());
    assertEquals(200, send(HttpMethod.GET, "/api/v1/openapi.json").statusCode());
  }

  @Test
  void swaggerUiVersionComesFromTheWebjar() {
    assertTrue(WebRoutes.swaggerUiVersion().matches("\\d+\\.\\d+\\.\\d+.*"), WebRoutes.swaggerUiVersion());
  }
}
