package dev.astrgate.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the gateway's Java CPU went during a run, from a JFR recording of it (settings=profile: threads running
 * Java are sampled every 10 ms). Time inside system calls (socket reads and writes) is not in these samples: JFR
 * samples native code at most one thread per 20 ms, so it is left out here and shown instead as the gateway's kernel
 * share from /proc. Views: by area (the first frame from the top that belongs to a known library), by the innermost
 * astrgate method on the stack, by the sampled method itself, and by thread.
 */
final class Profile {
  private static final String[][] AREAS = {
      {"NIO / Netty transport (Java side)", "sun.nio.ch.", "io.netty.channel.epoll.Native", "io.netty.channel.unix.", "io.netty.channel.epoll.LinuxSocket"},
      {"JSON (Jackson, Vert.x JSON, PyJson)", "com.fasterxml.jackson.", "io.vertx.core.json.", "dev.astrgate.chat.PyJson"},
      {"PostgreSQL client", "io.vertx.pgclient.", "io.vertx.sqlclient."},
      {"HTTP codec (Netty)", "io.netty.handler.codec."},
      {"event bus", "io.vertx.core.eventbus."},
      {"web client", "io.vertx.ext.web.client."},
      {"web router / OpenAPI router", "io.vertx.ext.web.", "io.vertx.openapi."},
      {"logging", "ch.qos.logback.", "org.slf4j."},
      {"UUID / SecureRandom", "java.util.UUID", "sun.security.provider.", "java.security."},
      {"astrgate code", "dev.astrgate."},
  };
  /** Looked for only when no frame of the stack belongs to one of the areas above. */
  private static final String[][] GENERIC = {
      {"Netty buffers / pipeline", "io.netty."},
      {"Vert.x core (futures, contexts, timers)", "io.vertx."},
      {"JDK", "java.", "jdk.", "sun."},
  };

  private Profile() {
  }

  /** {@code java bench/src/dev/astrgate/bench/Profile.java <recording.jfr> [top]}: the views below, for any recording. */
  public static void main(String[] args) throws IOException {
    summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 15).forEach(System.out::println);
  }

  static List<String> summarize(Path recording, int top) throws IOException {
    Map<String, Integer> area = new HashMap<>();
    Map<String, Integer> astrgate = new HashMap<>();
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int busy = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
      String type = e.getEventType().getName();
      if (!type.equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      List<RecordedFrame> frames = st.getFrames();
      String topMethod = name(frames.get(0));
      busy++;
      self.merge(topMethod, 1, Integer::sum);
      area.merge(areaOf(frames), 1, Integer::sum);
      String inner = "(no astrgate frame)";
      for (RecordedFrame f : frames) {
        if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("dev.astrgate.")) {
          inner = name(f);
          break;
        }
      }
      astrgate.merge(inner, 1, Integer::sum);
      RecordedThread t = e.getThread("sampledThread");
      String tn = t == null || t.getJavaName() == null ? "?" : t.getJavaName().replaceAll("-\\d+$", "-N");
      threads.merge(tn, 1, Integer::sum);
    }
    List<String> out = new ArrayList<>();
    out.add(String.format("   %d samples of threads running Java code", busy));
    out.add("   by area (first known library frame from the top):");
    top(area, busy, 20).forEach((k, v) -> out.add(String.format("     %5.1f%%  %s", v, k)));
    out.add("   by innermost astrgate method on the stack:");
    top(astrgate, busy, top).forEach((k, v) -> out.add(String.format("     %5.1f%%  %s", v, k)));
    out.add("   by sampled method (self):");
    top(self, busy, top).forEach((k, v) -> out.add(String.format("     %5.1f%%  %s", v, k)));
    out.add("   by thread:");
    top(threads, busy, 8).forEach((k, v) -> out.add(String.format("     %5.1f%%  %s", v, k)));
    return out;
  }

  private static String areaOf(List<RecordedFrame> frames) {
    String a = match(frames, AREAS);
    if (a == null) {
      a = match(frames, GENERIC);
    }
    return a == null ? "other" : a;
  }

  private static String match(List<RecordedFrame> frames, String[][] areas) {
    for (RecordedFrame f : frames) {
      if (f.getMethod() == null) {
        continue;
      }
      String cls = f.getMethod().getType().getName();
      for (String[] a : areas) {
        for (int i = 1; i < a.length; i++) {
          if (cls.startsWith(a[i])) {
            return a[0];
          }
        }
      }
    }
    return null;
  }

  private static String name(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    String cls = f.getMethod().getType().getName();
    return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + "  [" + cls.substring(0,
        Math.max(0, cls.lastIndexOf('.'))) + "]";
  }

  private static Map<String, Double> top(Map<String, Integer> counts, int total, int n) {
    Map<String, Double> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(n)
        .forEach(e -> out.put(e.getKey(), 100.0 * e.getValue() / Math.max(1, total)));
    return out;
  }
}
