package dev.astrgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged jar (failsafe runs this after {@code package}) copied to an empty directory: it starts on the default
 * built into it, answers /readyz and keeps its data under ./data; {@code init} then writes a conf/ the next start
 * uses. No ASTRGATE_* variable is set, exactly as a user who copied the jar would run it.
 */
class JarAnywhereIT {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void jarInAnEmptyDirectoryStartsAndKeepsItsDataThere() throws Exception {
    Path dir = Files.createTempDirectory("astrgate-anywhere");
    Path jar = Files.copy(Path.of("target", "astrgate.jar"), dir.resolve("astrgate.jar"));

    String first = runUntilReady(dir, jar, "first.log");
    assertTrue(first.contains("running on the default config built into the jar"), first);
    assertTrue(Files.isDirectory(dir.resolve("data").resolve("pg")), "embedded PostgreSQL under ./data");
    assertTrue(first.contains("abk_"), "first start prints a generated key");

    Process init = new ProcessBuilder(java(), "-jar", jar.toString(), "init").directory(dir.toFile())
        .redirectErrorStream(true).start();
    String initOut = new String(init.getInputStream().readAllBytes());
    assertEquals(0, init.waitFor(), initOut);
    assertTrue(initOut.contains("OPENAI_API_KEY"), "init says what to edit: " + initOut);
    assertTrue(Files.isRegularFile(dir.resolve("conf").resolve("default.json")));

    String second = runUntilReady(dir, jar, "second.log");
    assertTrue(second.contains("config: " + dir.resolve("conf").resolve("default.json").toRealPath()), second);
    assertTrue(!second.contains("abk_"), "the second start reuses ./data, so its key is still there");
  }

  private String runUntilReady(Path dir, Path jar, String logName) throws Exception {
    int port = TestNode.freePort();
    Path log = dir.resolve(logName);
    ProcessBuilder pb = new ProcessBuilder(List.of(java(), "-Xmx256m", "-jar", jar.toString()))
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ASTRGATE_"));
    pb.environment().put("ASTRGATE_PORT", Integer.toString(port)); // the only setting: a free port for the test
    Process p = pb.start();
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (true) {
        assertTrue(p.isAlive(), "node exited:\n" + Files.readString(log));
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
              .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            assertEquals("UP", new JsonObject(r.body()).getString("status"));
            break;
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
        assertTrue(System.currentTimeMillis() < deadline, "no /readyz 200 in 120 s:\n" + Files.readString(log));
        Thread.sleep(200);
      }
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    return Files.readString(log);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
