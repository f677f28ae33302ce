package dev.astrgate.support;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real adapter worker process ({@code node} or {@code python3}) on the repo's reference client, driven by the test
 * fixtures in {@code src/test/resources/workers}: it prints what happens as JSON lines and takes commands on stdin.
 */
public final class WorkerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final List<JsonObject> events = new ArrayList<>();
  private final Path log;

  private WorkerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::read, "worker-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** The Node test worker on workers/node. */
  public static WorkerProcess node(String name, String nodes, String key, String platform) throws IOException {
    return start(name, List.of("node", "src/test/resources/workers/test-worker.mjs"),
        Map.of("WORKER_CLIENT", "workers/node/index.js", "NODES", nodes, "KEY", key, "PLATFORM", platform));
  }

  /** The Python test worker on workers/python. */
  public static WorkerProcess python(String name, String nodes, String key, String platform) throws IOException {
    return start(name, List.of("python3", "-u", "src/test/resources/workers/test_worker.py"),
        Map.of("WORKER_CLIENT", "workers/python", "NODES", nodes, "KEY", key, "PLATFORM", platform));
  }

  private static WorkerProcess start(String name, List<String> cmd, Map<String, String> env) throws IOException {
    Path log = Files.createTempFile("astrgate-worker-" + name, ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
    pb.environment().putAll(env);
    return new WorkerProcess(name, pb.start(), log);
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        JsonObject e;
        try {
          e = new JsonObject(line);
        } catch (RuntimeException bad) {
          e = new JsonObject().put("event", "stdout").put("line", line);
        }
        synchronized (events) {
          events.add(e);
          events.notifyAll();
        }
      }
    } catch (IOException e) {
      // process gone
    }
  }

  /** Every event so far. */
  public List<JsonObject> events() {
    synchronized (events) {
      return new ArrayList<>(events);
    }
  }

  /** The events of one kind so far. */
  public List<JsonObject> events(String kind) {
    return events().stream().filter(e -> kind.equals(e.getString("event"))).toList();
  }

  /** Waits for the first event at index &ge; {@code from} that matches. */
  public JsonObject await(int from, Predicate<JsonObject> match, long timeoutMs, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    synchronized (events) {
      while (true) {
        for (int i = from; i < events.size(); i++) {
          if (match.test(events.get(i))) {
            return events.get(i);
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError(name + ": timed out waiting for " + what + "; events " + events + "\nstderr: "
              + stderr());
        }
        events.wait(left);
      }
    }
  }

  public JsonObject await(String kind, long timeoutMs) throws InterruptedException {
    return await(0, e -> kind.equals(e.getString("event")), timeoutMs, kind);
  }

  public int size() {
    synchronized (events) {
      return events.size();
    }
  }

  /** Writes one command line. */
  public void command(JsonObject cmd) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((cmd.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public boolean exited(long timeoutMs) throws InterruptedException {
    return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
  }

  public String stderr() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
