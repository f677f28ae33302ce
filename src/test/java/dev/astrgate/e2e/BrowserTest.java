package dev.astrgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.fakes.RecordedRequest;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web pages in a real browser: Debian's chromium driven by playwright-core ({@code e2e/webchat.e2e.mjs})
 * against a real node whose LLM is the wire-level {@link FakeOpenAi}. The script scripts the fake and reads what
 * it received through a small loopback control server; this class checks the same facts on the fake afterwards.
 * {@code ASTRGATE_E2E_SCREENSHOTS=docs/img} also writes the README's screenshots.
 */
class BrowserTest {
  private static final Path E2E = Path.of("e2e");
  private static final Path OUT = Path.of("target", "e2e");
  private static final List<String> SCENARIOS = List.of("sign in", "streamed reply grows", "stop cancels upstream",
      "image upload reaches the LLM", "session listed after reload", "phone width", "envelope errors shown", "docs try it out", "no script errors");

  private static Vertx vertx;
  private static FakeOpenAi openai;
  private static HttpServer control;
  private static TestNode node;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    openai = TestNode.await(FakeOpenAi.start(vertx));
    control = TestNode.await(vertx.createHttpServer().requestHandler(BrowserTest::control).listen(0, "127.0.0.1"));
    node = TestNode.start(Map.of("ASTRGATE_SSE_HEARTBEAT_SECONDS", "1"), conf("gpt-test"),
        Map.of("alt", conf("gpt-alt").put("name", "Alternative model")));
  }

  @AfterAll
  static void tearDown() {
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      TestNode.await(vertx.close());
    }
  }

  /** One OpenAI-compatible provider on the fake; titles on, so the session list shows generated names. */
  private static JsonObject conf(String model) {
    return new JsonObject()
        .put("provider_sources", new JsonArray().add(new JsonObject().put("id", "oa").put("type", "openai_chat_completion")
            .put("key", new JsonArray().add("sk-test")).put("api_base", openai.baseUrl()).put("timeout", 10)))
        .put("provider", new JsonArray().add(new JsonObject().put("id", "gpt").put("provider_source_id", "oa")
            .put("model", model).put("enable", true)))
        // Disabled, so nothing listens; GET im/bots still lists it, which "Try it out" in /docs shows.
        .put("platform", new JsonArray().add(new JsonObject().put("id", "qq_main").put("type", "aiocqhttp").put("enable", false)))
        .put("provider_settings", new JsonObject().put("default_provider_id", "gpt").put("generate_session_title", true)
            .put("display_reasoning_text", true))
        .put("platform_settings", new JsonObject().put("rate_limit", new JsonObject().put("count", 1000).put("time", 60)));
  }

  @Test
  @Timeout(value = 420, unit = TimeUnit.SECONDS) // includes a first `npm ci`; the browser part itself takes ~20 s
  void webchatAndDocsInChromium() throws Exception {
    String chromium = browser();
    installPlaywright();
    Files.createDirectories(OUT);
    String key = node.createKey();

    List<String> cmd = new ArrayList<>(List.of("node", "webchat.e2e.mjs"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(E2E.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("BASE_URL", "http://127.0.0.1:" + node.port());
    env.put("API_KEY", key);
    env.put("CONTROL_URL", "http://127.0.0.1:" + control.actualPort());
    env.put("CHROMIUM_PATH", chromium);
    env.put("OUT_DIR", OUT.toAbsolutePath().toString());
    String shots = System.getenv("ASTRGATE_E2E_SCREENSHOTS");
    if (shots != null && !shots.isBlank()) {
      env.put("SCREENSHOT_DIR", Path.of(shots).toAbsolutePath().toString());
    }
    Run run;
    try {
      run = run(pb, 150);
    } catch (IOException e) {
      throw new AssertionError("browser tests need node (Node.js 20+) on the PATH", e);
    }
    System.out.println(run.output());
    Files.writeString(OUT.resolve("output.txt"), run.output());
    assertEquals(0, run.exitCode(), "browser script failed (screenshots in target/e2e/):\n" + run.output());
    for (String scenario : SCENARIOS) {
      assertTrue(run.output().contains("ok - " + scenario + " #"), "scenario '" + scenario + "' did not pass:\n" + run.output());
    }

    // The same facts, seen from the fake upstream itself.
    List<RecordedRequest> requests = openai.requests();
    assertTrue(requests.stream().anyMatch(r -> r.clientClosed().succeeded()),
        "Stop in the page closed an upstream connection");
    assertTrue(requests.stream().anyMatch(BrowserTest::hasImage), "an image_url part reached the LLM");
    assertTrue(requests.stream().anyMatch(r -> "gpt-alt".equals(r.body().getString("model"))),
        "the config chosen in the page routed a request");
  }

  private static boolean hasImage(RecordedRequest r) {
    JsonArray messages = r.body().getJsonArray("messages", new JsonArray());
    for (Object m : messages) {
      if (m instanceof JsonObject o && o.getValue("content") instanceof JsonArray parts) {
        for (Object p : parts) {
          if (p instanceof JsonObject part && "image_url".equals(part.getString("type"))
              && part.getJsonObject("image_url").getString("url", "").startsWith("data:image/png;base64,")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /**
   * The script's handle on the fake: POST /reply queues one reply, POST /script sets the default one,
   * GET /requests lists what the fake received (model, image part, whether the client closed the connection).
   */
  private static void control(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      JsonObject res = new JsonObject().put("ok", true);
      switch (req.method().name() + " " + req.path()) {
        case "POST /reply" -> openai.nextReply(reply(buf.toJsonObject()));
        case "POST /script" -> openai.script(reply(buf.toJsonObject()));
        case "GET /requests" -> {
          JsonArray list = new JsonArray();
          List<RecordedRequest> all = openai.requests();
          for (int i = 0; i < all.size(); i++) {
            RecordedRequest r = all.get(i);
            list.add(new JsonObject().put("index", i).put("model", r.body().getString("model"))
                .put("stream", r.body().getBoolean("stream", false)).put("image", hasImage(r))
                .put("messages", r.body().getJsonArray("messages", new JsonArray()).size())
                .put("client_closed", r.clientClosed().succeeded()));
          }
          res.put("requests", list);
        }
        default -> {
          req.response().setStatusCode(404).end();
          return;
        }
      }
      req.response().putHeader("Content-Type", "application/json").end(res.encode());
    });
  }

  private static FakeReply reply(JsonObject spec) {
    List<String> tokens = spec.getJsonArray("tokens", new JsonArray()).stream().map(String::valueOf).toList();
    List<String> reasoning = spec.getJsonArray("reasoning", new JsonArray()).stream().map(String::valueOf).toList();
    return FakeReply.tokens(tokens).reasoning(reasoning.toArray(String[]::new)).delayMs(spec.getLong("delay_ms", 0L));
  }

  /**
   * The browser the build found or installed (e2e/ensure-browser.sh, run by Maven before the tests), else
   * CHROMIUM_PATH or /usr/bin/chromium; when there is none the test fails with the script's one-line fix.
   */
  private static String browser() throws IOException {
    Path found = OUT.resolve("browser.path");
    Path missing = OUT.resolve("browser.missing");
    String chromium = System.getenv("CHROMIUM_PATH");
    if ((chromium == null || chromium.isBlank()) && Files.isRegularFile(found)) {
      chromium = Files.readString(found).strip();
    }
    if (chromium == null || chromium.isBlank()) {
      chromium = "/usr/bin/chromium";
    }
    if (Files.isExecutable(Path.of(chromium))) {
      return chromium;
    }
    String fix = Files.isRegularFile(missing) ? Files.readString(missing).strip()
        : "no chromium at " + chromium + ": run `mvn -B verify` (it installs one), or set CHROMIUM_PATH";
    return fail("browser tests need Chromium; " + fix);
  }

  /** Installs playwright-core from the committed lock file unless it is there already (never a browser). */
  private static void installPlaywright() throws Exception {
    if (Files.isDirectory(E2E.resolve("node_modules").resolve("playwright-core"))) {
      return;
    }
    ProcessBuilder pb = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(E2E.toFile())
        .redirectErrorStream(true);
    pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    Run run;
    try {
      run = run(pb, 300);
    } catch (IOException e) {
      throw new AssertionError("browser tests need node and npm (Node.js 20+) on the PATH", e);
    }
    assertEquals(0, run.exitCode(), "npm ci in e2e/ failed:\n" + run.output());
  }

  private record Run(int exitCode, String output) {
  }

  private static Run run(ProcessBuilder pb, int timeoutSeconds) throws Exception {
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (out) {
            out.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // the process went away; what was read is kept
      }
    }, "e2e-output");
    reader.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      reader.join(2000);
      synchronized (out) {
        fail(String.join(" ", pb.command()) + " did not finish in " + timeoutSeconds + " s:\n" + out);
      }
    }
    reader.join(5000);
    synchronized (out) {
      return new Run(p.exitValue(), out.toString());
    }
  }
}
