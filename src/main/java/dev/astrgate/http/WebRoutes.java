package dev.astrgate.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The browser pages: the webchat at {@code /} (assets under {@code /assets/}) and the API reference at
 * {@code /docs} (Swagger UI from its webjar under {@code /docs/swagger-ui/}). All public: the pages hold no data
 * and talk to {@code /api/v1} with the key the user types. Only these exact paths are routed, so {@code /api/v1}
 * keeps its 404/405 answers.
 */
final class WebRoutes {
  static final String SWAGGER_UI_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
  // Everything is served from this node: no inline script, no other origin. Swagger UI sets inline styles.
  private static final String CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  private WebRoutes() {
  }

  static void mount(Router router) {
    Handler<RoutingContext> headers = ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CSP)
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer");
      ctx.next();
    };
    // The pages change with the jar, so browsers revalidate them instead of keeping a day-old copy.
    StaticHandler pages = StaticHandler.create("webroot").setMaxAgeSeconds(0).setDirectoryListing(false);
    page(router, "/").handler(headers).handler(pages);
    page(router, "/assets/*").handler(headers).handler(StaticHandler.create("webroot/assets").setMaxAgeSeconds(0));
    page(router, "/docs").handler(headers).handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .sendFile("webroot/docs.html"));
    // Versioned path inside the webjar: these files never change for a given version.
    page(router, "/docs/swagger-ui/*").handler(headers)
        .handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion()));
  }

  /** GET and HEAD (link checkers, monitors) of one path. */
  private static Route page(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /** The webjar's version, read from its Maven metadata so a dependency bump needs no code change. */
  static String swaggerUiVersion() {
    try (InputStream in = WebRoutes.class.getClassLoader().getResourceAsStream(SWAGGER_UI_POM)) {
      if (in == null) {
        throw new IllegalStateException("swagger-ui webjar is missing from the classpath (" + SWAGGER_UI_POM + ")");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
