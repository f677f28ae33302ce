package dev.astrgate.bench;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load side of bench/chat.sh, in its own JVM: hosts the fake OpenAI upstream (the test suite's FakeOpenAi),
 * drives the gateway (a separate JVM the script starts once the fake's address is known) and the fake directly,
 * and prints the tables. Talks to the script through files in the work directory:
 * it writes {@code fake.url}; the script writes {@code gateway.env} (port, key, pid, pgport); before the SSE parser
 * check it writes {@code node.ready} and {@code node.expect} and waits for the script's {@code node.done}.
 *
 * <p>Usage: ChatBench --work DIR [--phases latency,turns,idle,node] [--levels 1,100,1000] [--latency-seconds 12]
 * [--turn-clients 32,64,128] [--turn-seconds 10] [--idle-streams 10000]
 */
public final class ChatBench {
  private static final int TOKENS = 50;
  private static final int TOKEN_DELAY_MS = 10;

  private final Vertx vertx;
  private final FakeOpenAi fake;
  private final Path work;
  private final Map<String, String> opts;
  private int port;
  private String key;
  private long gatewayPid;
  private int pgPort;
  private Cpu cpu;
  private boolean ok = true;

  private ChatBench(Vertx vertx, FakeOpenAi fake, Path work, Map<String, String> opts) {
    this.vertx = vertx;
    this.fake = fake;
    this.work = work;
    this.opts = opts;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Path work = Path.of(opts.getOrDefault("work", "."));
    Vertx vertx = Vertx.vertx();
    FakeOpenAi fake = await(FakeOpenAi.start(vertx), 30);
    fake.recording(false);
    ChatBench bench = new ChatBench(vertx, fake, work, opts);
    int rc;
    try {
      rc = bench.run() ? 0 : 1;
    } catch (Exception e) {
      e.printStackTrace();
      rc = 2;
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
    System.exit(rc);
  }

  private boolean run() throws Exception {
    writeAtomically(work.resolve("fake.url"), fake.baseUrl());
    Map<String, String> gw = readEnvFile(waitForFile(work.resolve("gateway.env"), 300));
    port = Integer.parseInt(gw.get("port"));
    key = gw.get("key");
    gatewayPid = Long.parseLong(gw.get("pid"));
    pgPort = Integer.parseInt(gw.get("pgport"));
    cpu = new Cpu(gatewayPid, Path.of(gw.get("datadir"), "pg", "postmaster.pid"));
    if (readyz() != 200) {
      throw new IllegalStateException("gateway not ready on port " + port);
    }
    List<String> phases = Arrays.asList(opts.getOrDefault("phases", "latency,turns,idle,node").split(","));
    if (phases.contains("latency") || phases.contains("turns")) {
      calibrate();
    }
    for (String phase : phases) {
      switch (phase.trim()) {
        case "latency" -> latency();
        case "turns" -> turns();
        case "idle" -> idle();
        case "node" -> nodeCheck();
        default -> throw new IllegalArgumentException("unknown phase " + phase);
      }
    }
    return ok;
  }

  // ---------------------------------------------------------------- 0. what one round trip costs here

  /** Sequential round trips from this JVM, nothing else running: the unit the gateway's critical path is made of. */
  private void calibrate() throws Exception {
    Pool pool = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort).setUser("postgres")
            .setDatabase("postgres").setCachePreparedStatements(true)).using(vertx).build();
    HttpClient http = client(1);
    try {
      progress("calibration: sequential round trips");
      Samples pg = roundTrips("PostgreSQL SELECT", 2000, () -> pool.preparedQuery("SELECT $1::int").execute(Tuple.of(1)).mapEmpty());
      Samples health = roundTrips("GET /healthz", 2000, () -> http.request(new RequestOptions().setMethod(HttpMethod.GET)
          .setHost("127.0.0.1").setPort(port).setURI("/healthz")).compose(r -> r.send()).compose(r -> r.body()).mapEmpty());
      Samples bots = roundTrips("GET /api/v1/im/bots", 2000, () -> http.request(new RequestOptions().setMethod(HttpMethod.GET)
          .setHost("127.0.0.1").setPort(port).setURI("/api/v1/im/bots").putHeader("X-API-Key", key))
          .compose(r -> r.send()).compose(r -> r.body()).mapEmpty());
      out("");
      out("== 0. Round trips on this machine, one at a time (after 1,000 unmeasured), ms");
      out("   PostgreSQL SELECT $1 from a Vert.x pg client (this JVM -> the gateway's embedded PostgreSQL): p50 %.3f  p99 %.3f",
          pg.ms(.5), pg.ms(.99));
      out("   gateway GET /healthz (no key, no database):                                    p50 %.3f  p99 %.3f",
          health.ms(.5), health.ms(.99));
      out("   gateway GET /api/v1/im/bots (key checked from the cache, no database):         p50 %.3f  p99 %.3f",
          bots.ms(.5), bots.ms(.99));
    } finally {
      pool.close();
      http.close();
    }
  }

  /** {@code n} sequential round trips (after 1,000 unmeasured ones), all issued from one event loop. */
  private Samples roundTrips(String what, int n, java.util.function.Supplier<Future<Void>> op) throws Exception {
    Samples s = new Samples();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    int[] i = {0};
    Runnable[] step = new Runnable[1];
    step[0] = () -> {
      if (i[0] >= n + 1000) {
        done.complete();
        return;
      }
      long t = System.nanoTime();
      op.get().onComplete(ar -> {
        if (ar.failed()) {
          done.tryFail(ar.cause());
          return;
        }
        if (i[0]++ >= 1000) {
          s.add(System.nanoTime() - t);
        }
        step[0].run();
      });
    };
    vertx.getOrCreateContext().runOnContext(v -> step[0].run());
    try {
      await(done.future(), 120);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(what + ": stuck at round trip " + i[0]);
    }
    return Samples.merge(List.of(s));
  }

  // ---------------------------------------------------------------- 1. TTFT and inter-token gaps

  private void latency() throws Exception {
    int[] levels = ints(opts.getOrDefault("levels", "1,100,1000"));
    long seconds = Long.parseLong(opts.getOrDefault("latency-seconds", "12"));
    fake.script(FakeReply.numbered(TOKENS).delayMs(TOKEN_DELAY_MS));
    HttpClient client = client(Arrays.stream(levels).max().orElse(1) + 100);
    Stream.Target gateway = new Stream.Target(true, port, key);
    Stream.Target direct = new Stream.Target(false, fake.port(), null);
    progress("warm-up: 100 streams, gateway 10 s, direct 5 s, gateway 5 s (JIT in all three parties)");
    closedLoop(client, gateway, 100, 10, 1, TOKENS, "w1", false);
    closedLoop(client, direct, 100, 5, 1, TOKENS, "w2", false);
    closedLoop(client, gateway, 100, 5, 1, TOKENS, "w3", false);
    List<Run[]> rows = new ArrayList<>();
    // Direct and gateway alternate in slices, so load from anything else on the machine falls on both alike.
    int rounds = 3;
    for (int c : levels) {
      long ramp = c >= 500 ? 3 : 2;
      long slice = Math.max(4, (c == 1 ? Math.max(seconds, 21) : seconds) / rounds);
      List<Run> ds = new ArrayList<>();
      List<Run> gs = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        progress("level " + c + ", round " + (round + 1) + "/" + rounds + ": direct " + slice + " s, gateway " + slice + " s");
        ds.add(closedLoop(client, direct, c, slice, ramp, TOKENS, "d" + c + "r" + round, false));
        gs.add(closedLoop(client, gateway, c, slice, ramp, TOKENS, "g" + c + "r" + round, false));
      }
      rows.add(new Run[] {combine(ds), combine(gs)});
    }
    out("");
    out("== 1. Time to first token and inter-token gap: %d tokens, one every %d ms, closed loop, new session_id per stream",
        TOKENS, TOKEN_DELAY_MS);
    out("   TTFT = request sent -> first plain event (gateway) / first content delta (direct); ms");
    out("   CPU ms/str = CPU per stream: gateway + its PostgreSQL (gateway rows), driver + fake (direct rows)");
    out("");
    out("%-8s | %-28s | %-28s | %-28s | %-28s", "streams", "TTFT p50  direct  gw  over", "TTFT p99  direct  gw  over",
        "gap p50   direct  gw  over", "gap p99   direct  gw  over");
    for (Run[] r : rows) {
      Run d = r[0];
      Run g = r[1];
      out("%-8d | %8.2f %7.2f %+9.2f   | %8.2f %7.2f %+9.2f   | %8.2f %7.2f %+9.2f   | %8.2f %7.2f %+9.2f",
          d.conc, d.ttft.ms(.5), g.ttft.ms(.5), g.ttft.ms(.5) - d.ttft.ms(.5),
          d.ttft.ms(.99), g.ttft.ms(.99), g.ttft.ms(.99) - d.ttft.ms(.99),
          d.gaps.ms(.5), g.gaps.ms(.5), g.gaps.ms(.5) - d.gaps.ms(.5),
          d.gaps.ms(.99), g.gaps.ms(.99), g.gaps.ms(.99) - d.gaps.ms(.99));
    }
    out("");
    out("%-8s %-8s %8s %9s %9s %7s %7s %9s %9s %10s  %s", "streams", "path", "measured", "streams/s", "tokens/s", "errors",
        "incompl", "TTFT max", "gap max", "CPU ms/str", "CPU (% of one core) while measuring");
    for (Run[] r : rows) {
      for (Run x : r) {
        double perStream = (x.gateway ? x.cpu.gateway() + x.cpu.postgres() : x.cpu.driver()) * 10 / (x.ok / x.seconds);
        out("%-8d %-8s %8d %9.0f %9.0f %7d %7d %9.2f %9.2f %10.2f  %s", x.conc, x.gateway ? "gateway" : "direct", x.ok,
            x.ok / x.seconds, x.ok * (double) TOKENS / x.seconds, x.errors, x.incomplete, x.ttft.maxMs(), x.gaps.maxMs(),
            perStream, x.cpu.format());
        x.printErrors();
      }
    }
    out("");
    out("gateway TTFT split: request -> session_id event (auth, validation, session row, user row) / session_id -> first"
        + " token (rate-limit hit, session lock, context load, upstream request, the fake's %d ms, relay)", TOKEN_DELAY_MS);
    for (Run[] r : rows) {
      Run g = r[1];
      out("%-8d to session_id p50 %6.2f p99 %7.2f ms", g.conc, g.toSession.ms(.5), g.toSession.ms(.99));
    }
    for (Run[] r : rows) {
      if (r[1].conc == 100) {
        double o50 = r[1].ttft.ms(.5) - r[0].ttft.ms(.5);
        double o99 = r[1].ttft.ms(.99) - r[0].ttft.ms(.99);
        out("");
        out("target at 100 streams: TTFT overhead p50 <= 2 ms: %s (%.2f ms); p99 <= 10 ms: %s (%.2f ms)",
            o50 <= 2 ? "MET" : "MISSED", o50, o99 <= 10 ? "MET" : "MISSED", o99);
      }
    }
    profiled("latency100", "100 streams of 50 tokens at 10 ms", "streams",
        () -> closedLoop(client, gateway, 100, 8, 2, TOKENS, "pl", false));
    await(client.close(), 30);
  }


  /** One closed-loop run: {@code conc} workers each start a stream as soon as their previous one ended. */
  private final class Run {
    final int conc;
    final boolean gateway;
    long ok;
    long errors;
    long incomplete;
    long savedEvents;
    double seconds;
    Samples ttft;
    Samples gaps;
    Samples total;
    Samples toSession;
    Cpu.Usage cpu;
    final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<long[]> savedSamples = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> sessionSamples = new ConcurrentLinkedQueue<>();

    Run(int conc, boolean gateway) {
      this.conc = conc;
      this.gateway = gateway;
    }

    void printErrors() {
      int n = 0;
      for (String e : errorSamples) {
        if (n++ < 3) {
          out("         e.g. %s", e.length() > 200 ? e.substring(0, 200) : e);
        }
      }
    }
  }

  /** The slices of one path at one level as one run: counts and samples added, CPU averaged. */
  private Run combine(List<Run> parts) {
    Run all = new Run(parts.get(0).conc, parts.get(0).gateway);
    double g = 0, gs = 0, pg = 0, d = 0, m = 0;
    for (Run r : parts) {
      all.ok += r.ok;
      all.errors += r.errors;
      all.incomplete += r.incomplete;
      all.savedEvents += r.savedEvents;
      all.seconds += r.seconds;
      all.errorSamples.addAll(r.errorSamples);
      g += r.cpu.gateway() / parts.size();
      gs += r.cpu.gatewaySys() / parts.size();
      pg += r.cpu.postgres() / parts.size();
      d += r.cpu.driver() / parts.size();
      m += r.cpu.machine() / parts.size();
    }
    all.ttft = Samples.merge(parts.stream().map(r -> r.ttft).toList());
    all.gaps = Samples.merge(parts.stream().map(r -> r.gaps).toList());
    all.total = Samples.merge(parts.stream().map(r -> r.total).toList());
    all.toSession = Samples.merge(parts.stream().map(r -> r.toSession).toList());
    all.cpu = new Cpu.Usage(g, gs, pg, d, m);
    return all;
  }

  private Run closedLoop(HttpClient client, Stream.Target target, int conc, long seconds, long rampSeconds, int tokens,
                         String prefix, boolean turns) throws Exception {
    Run run = new Run(conc, target.gateway());
    long start = System.nanoTime();
    long measureFrom = start + TimeUnit.SECONDS.toNanos(rampSeconds);
    long deadline = start + TimeUnit.SECONDS.toNanos(rampSeconds + seconds);
    CountDownLatch done = new CountDownLatch(conc);
    List<Samples> ttft = new ArrayList<>();
    List<Samples> gaps = new ArrayList<>();
    List<Samples> total = new ArrayList<>();
    List<Samples> toSession = new ArrayList<>();
    long[][] counts = new long[conc][4];
    // Off the event loops: reading /proc takes a while.
    java.util.concurrent.CompletableFuture<Cpu.Snapshot> cpuAt = java.util.concurrent.CompletableFuture.supplyAsync(
        cpu::snap, java.util.concurrent.CompletableFuture.delayedExecutor(
            Math.max(1, TimeUnit.NANOSECONDS.toMillis(measureFrom - System.nanoTime())), TimeUnit.MILLISECONDS));
    for (int i = 0; i < conc; i++) {
      Samples t = new Samples();
      Samples g = new Samples();
      Samples tt = new Samples();
      Samples ts = new Samples();
      toSession.add(ts);
      ttft.add(t);
      gaps.add(g);
      total.add(tt);
      long[] c = counts[i];
      Context ctx = vertx.getOrCreateContext();
      String wp = prefix + "-" + i + "-";
      // Spread the starts over 500 ms so the workers do not tick in lockstep.
      long delay = 1 + (long) (Math.random() * Math.min(500, 5L * conc));
      ctx.runOnContext(v -> vertx.setTimer(delay, id -> new Object() {
        int n;

        void next() {
          long now = System.nanoTime();
          if (now >= deadline) {
            done.countDown();
            return;
          }
          boolean measure = now >= measureFrom;
          Stream.start(client, target, wp + n++, null, s -> {
            if (s.error != null) {
              c[1]++;
              if (run.errorSamples.size() < 5) {
                run.errorSamples.add(s.error);
              }
            } else if (!s.ended || s.tokens != tokens || (turns && !s.savedBeforeEnd)) {
              c[2]++;
              if (run.errorSamples.size() < 5) {
                run.errorSamples.add("incomplete: ended=" + s.ended + " tokens=" + s.tokens + " saved=" + s.saved);
              }
            } else if (measure) {
              c[0]++;
              t.add(s.ttft);
              for (int k = 0; k < s.gapCount; k++) {
                g.add(s.gaps[k]);
              }
              tt.add(s.totalNanos());
              if (s.toSessionId >= 0) {
                ts.add(s.toSessionId);
              }
            }
            if (s.savedBeforeEnd) {
              c[3]++;
              if (turns && run.savedSamples.size() < 200 && Math.random() < 0.05) {
                run.savedSamples.add(new long[] {s.savedId});
                run.sessionSamples.add(s.sessionId);
              }
            }
            ctx.runOnContext(x -> next());
          });
        }
      }.next()));
    }
    if (!done.await(rampSeconds + seconds + 180, TimeUnit.SECONDS)) {
      out("WARNING: %d workers still busy 180 s after the deadline", done.getCount());
      ok = false;
    }
    Cpu.Snapshot end = cpu.snap();
    run.cpu = Cpu.between(cpuAt.get(30, TimeUnit.SECONDS), end);
    run.seconds = seconds;
    run.ttft = Samples.merge(ttft);
    run.gaps = Samples.merge(gaps);
    run.total = Samples.merge(total);
    run.toSession = Samples.merge(toSession);
    for (long[] c : counts) {
      run.ok += c[0];
      run.errors += c[1];
      run.incomplete += c[2];
      run.savedEvents += c[3];
    }
    return run;
  }

  // ---------------------------------------------------------------- 2. completed short turns per second

  private void turns() throws Exception {
    int[] clients = ints(opts.getOrDefault("turn-clients", "32,64,128"));
    long seconds = Long.parseLong(opts.getOrDefault("turn-seconds", "10"));
    fake.script(FakeReply.tokens("ok"));
    HttpClient client = client(Arrays.stream(clients).max().orElse(1) + 16);
    Stream.Target gateway = new Stream.Target(true, port, key);
    progress("turns: warm-up 64 clients 5 s");
    Run warm = closedLoop(client, gateway, 64, 5, 1, 1, "tw", true);
    long savedTotal = warm.savedEvents;
    List<Run> runs = new ArrayList<>();
    for (int c : clients) {
      progress("turns: " + c + " clients " + seconds + " s");
      Run r = closedLoop(client, gateway, c, seconds, 1, 1, "tp" + c, true);
      savedTotal += r.savedEvents;
      runs.add(r);
    }
    out("");
    out("== 2. Completed short turns per second (fake answers one token, no delay; PostgreSQL persistence;");
    out("      each turn a new session: auth, intake, session row, user row, rate-limit hit, context, bot row, context save)");
    out("");
    out("%-8s %8s %9s %9s %9s %9s %7s %8s  %s", "clients", "turns", "turns/s", "p50 ms", "p99 ms", "max ms", "errors",
        "incompl", "CPU (% of one core)");
    Run best = null;
    for (Run r : runs) {
      out("%-8d %8d %9.0f %9.2f %9.2f %9.2f %7d %8d  %s", r.conc, r.ok, r.ok / r.seconds, r.total.ms(.5), r.total.ms(.99),
          r.total.maxMs(), r.errors, r.incomplete, r.cpu.format());
      r.printErrors();
      if (best == null || r.ok / r.seconds > best.ok / best.seconds) {
        best = r;
      }
    }
    out("");
    out("CPU per completed turn, from the same runs (ms of one core): the ceiling is what two otherwise idle cores would allow");
    out("%-8s %9s %9s %12s %9s %18s", "clients", "gateway", "postgres", "driver+fake", "sum", "ceiling turns/s");
    for (Run r : runs) {
      double rate = r.ok / r.seconds;
      double gw = r.cpu.gateway() * 10 / rate;
      double pg = r.cpu.postgres() * 10 / rate;
      double dr = r.cpu.driver() * 10 / rate;
      out("%-8d %9.2f %9.2f %12.2f %9.2f %11.0f (%.0f without the driver)", r.conc, gw, pg, dr, gw + pg + dr,
          2000 / (gw + pg + dr), 2000 / (gw + pg));
    }
    if (best != null) {
      double rate = best.ok / best.seconds;
      out("best: %.0f turns/s with %d clients; target >= 1000 turns/s: %s", rate, best.conc,
          rate >= 1000 ? "MET" : String.format("MISSED by %.0f turns/s (%.0f%% of target)", 1000 - rate, rate / 10));
    }
    verifyRows(runs, savedTotal);
    if (best != null) {
      int c = best.conc;
      profiled("turns", "short turns, " + c + " clients", "turns", () -> closedLoop(client, gateway, c, 8, 1, 1, "tq", true));
    }
    await(client.close(), 30);
  }

  /** Bot rows of the idle sessions, polled until they reach {@code expected} or stop growing for 10 s. */
  private long interruptedRows(long expected) throws Exception {
    Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort)
        .setUser("postgres").setDatabase("postgres")).using(vertx).build();
    try {
      long last = -1;
      long stableSince = System.nanoTime();
      while (true) {
        long rows = await(pool.query("SELECT count(*) FROM platform_message_history WHERE sender_id = 'bot'"
            + " AND user_id LIKE 'idle-%' AND content->>'interrupted' = 'true'").execute(), 60).iterator().next().getLong(0);
        if (rows >= expected) {
          return rows;
        }
        if (rows != last) {
          last = rows;
          stableSince = System.nanoTime();
        } else if (System.nanoTime() - stableSince > 10_000_000_000L) {
          return rows;
        }
        Thread.sleep(200);
      }
    } finally {
      await(pool.close(), 10);
    }
  }

  /** The history rows behind the message_saved events, read straight from the gateway's PostgreSQL. */
  private void verifyRows(List<Run> runs, long savedEvents) {
    Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(pgPort)
        .setUser("postgres").setDatabase("postgres")).using(vertx).build();
    try {
      long rows = await(pool.query("SELECT count(*) FROM platform_message_history WHERE sender_id = 'bot'"
          + " AND (user_id LIKE 'tp%' OR user_id LIKE 'tw%')").execute(), 60).iterator().next().getLong(0);
      List<String> sids = new ArrayList<>();
      List<Long> ids = new ArrayList<>();
      for (Run r : runs) {
        sids.addAll(r.sessionSamples);
        r.savedSamples.forEach(s -> ids.add(s[0]));
      }
      Map<String, long[]> found = new HashMap<>();
      for (Row row : await(pool.preparedQuery("SELECT user_id, count(*) FILTER (WHERE sender_id = 'bench'),"
              + " max(id) FILTER (WHERE sender_id = 'bot') FROM platform_message_history WHERE user_id = ANY($1) GROUP BY user_id")
          .execute(Tuple.of(sids.toArray(new String[0]))), 60)) {
        found.put(row.getString(0), new long[] {row.getLong(1), row.getLong(2) == null ? -1 : row.getLong(2)});
      }
      int good = 0;
      for (int i = 0; i < sids.size(); i++) {
        long[] f = found.get(sids.get(i));
        if (f != null && f[0] == 1 && f[1] == ids.get(i)) {
          good++;
        }
      }
      out("PostgreSQL check: %d bot rows for the %d message_saved events seen (%s); sample of %d turns: %d have their"
          + " user row and the bot row whose id message_saved announced", rows, savedEvents,
          rows == savedEvents ? "equal" : "DIFFERENT", sids.size(), good);
      if (rows != savedEvents || good != sids.size()) {
        ok = false;
      }
    } catch (Exception e) {
      out("PostgreSQL check skipped: %s", e);
    } finally {
      pool.close();
    }
  }

  // ---------------------------------------------------------------- 3. heap per open idle stream

  private void idle() throws Exception {
    int n = Integer.parseInt(opts.getOrDefault("idle-streams", "10000"));
    fake.script(FakeReply.tokens("x").hangAfterHeaders());
    long[] before = heap();
    Map<String, long[]> histBefore = histogram();
    long rssBefore = rssKb(gatewayPid);
    progress("idle: heap before " + before[0] / 1024 + " MiB used; opening " + n + " streams");
    HttpClient client = client(n + 100);
    Stream.Target gateway = new Stream.Target(true, port, key);
    AtomicInteger started = new AtomicInteger();
    AtomicInteger withSession = new AtomicInteger();
    AtomicInteger endedEarly = new AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    int window = 200;
    long t0 = System.nanoTime();
    Context ctx = vertx.getOrCreateContext();
    Runnable[] open = new Runnable[1];
    open[0] = () -> {
      int i = started.getAndIncrement();
      if (i >= n) {
        return;
      }
      boolean[] counted = {false};
      Stream.start(client, gateway, "idle-" + i, s -> {
        counted[0] = true;
        withSession.incrementAndGet();
        ctx.runOnContext(v -> open[0].run());
      }, s -> {
        endedEarly.incrementAndGet();
        if (s.error != null && errors.size() < 5 && !closing.get()) {
          errors.add(s.error);
        }
        if (!counted[0]) {
          ctx.runOnContext(v -> open[0].run());
        }
      });
    };
    ctx.runOnContext(v -> {
      for (int i = 0; i < window; i++) {
        open[0].run();
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    long lastReport = System.nanoTime();
    while (withSession.get() + endedEarly.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(100);
      if (System.nanoTime() - lastReport > 5_000_000_000L) {
        lastReport = System.nanoTime();
        progress("idle: " + withSession.get() + " streams have their session_id, " + endedEarly.get() + " ended early, "
            + fake.openConnections() + " upstream connections open at the fake");
      }
    }
    double openSeconds = (System.nanoTime() - t0) / 1e9;
    boolean profile = "1".equals(opts.getOrDefault("profile", "1"));
    if (profile) {
      jcmd("JFR.start", "name=idle", "settings=profile");
    }
    Cpu.Snapshot holdFrom = cpu.snap();
    Thread.sleep(10_000);
    Cpu.Usage holding = Cpu.between(holdFrom, cpu.snap());
    Path idleJfr = work.resolve("idle.jfr");
    if (profile) {
      jcmd("JFR.stop", "name=idle", "filename=" + idleJfr);
    }
    int upstream = fake.openConnections();
    int open2 = withSession.get() - endedEarly.get();
    long[] after = heap();
    Map<String, long[]> histOpen = histogram();
    long rssAfter = rssKb(gatewayPid);
    int stillOpen = withSession.get() - endedEarly.get();
    int endedBeforeClose = endedEarly.get();

    progress("idle: closing all streams");
    closing.set(true);
    int closedBefore = fake.closedConnections().size();
    long c0 = System.nanoTime();
    await(client.close(), 60);
    long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    long zeroSince = -1;
    while (System.nanoTime() < settleDeadline) {
      if (fake.openConnections() == 0) {
        if (zeroSince < 0) {
          zeroSince = System.nanoTime();
        } else if (System.nanoTime() - zeroSince > 2_000_000_000L) {
          break;
        }
      } else {
        zeroSince = -1;
      }
      Thread.sleep(100);
    }
    double settleSeconds = (System.nanoTime() - c0) / 1e9 - (zeroSince > 0 ? 2 : 0);
    long interruptedRows = interruptedRows(withSession.get());
    int upstreamLeft = fake.openConnections();
    int churn = fake.closedConnections().size() - closedBefore;
    long[] closed = heap();
    Map<String, long[]> histClosed = histogram();
    int ready = readyz();
    fake.script(FakeReply.tokens("still", " ", "alive"));
    HttpClient probe = client(2);
    Stream[] turn = new Stream[1];
    CountDownLatch l = new CountDownLatch(1);
    Stream.start(probe, gateway, "after-idle", null, s -> {
      turn[0] = s;
      l.countDown();
    });
    boolean turnOk = l.await(30, TimeUnit.SECONDS) && turn[0].error == null && turn[0].ended && turn[0].savedBeforeEnd
        && turn[0].tokens == 3;
    await(probe.close(), 10);

    double perStream = (after[0] - before[0]) * 1024.0 / Math.max(1, stillOpen);
    out("");
    out("== 3. Heap per open idle stream (fake sends 200 headers then nothing; gateway -Xmx from the script)");
    out("");
    out("streams opened with session_id received : %d of %d in %.1f s (%d ended before we closed them)", withSession.get(),
        n, openSeconds, endedBeforeClose);
    errors.forEach(e -> out("   e.g. %s", e.length() > 200 ? e.substring(0, 200) : e));
    out("still open when measured                : %d (%d after 10 s of holding them)", stillOpen, open2);
    out("CPU while holding them (10 s)           : %s", holding.format());
    out("upstream connections open at the fake   : %d (the gateway's per-host pool limit; the rest wait in its queue)",
        upstream);
    out("heap used after full GC, before         : %8.1f MiB (committed %.0f MiB)", before[0] / 1024.0, before[1] / 1024.0);
    out("heap used after full GC, streams open   : %8.1f MiB (committed %.0f MiB)", after[0] / 1024.0, after[1] / 1024.0);
    out("heap per open stream                    : %8.1f KiB  (total for %d streams: %.1f MiB)", perStream / 1024.0,
        stillOpen, (after[0] - before[0]) / 1024.0);
    out("gateway RSS before / with streams open  : %d MiB / %d MiB", rssBefore / 1024, rssAfter / 1024);
    out("target: %d open streams within 1 GiB of heap: %s", n,
        stillOpen == n && after[0] <= 1024 * 1024 ? "MET" : "MISSED");
    out("after closing all: upstream connections left %d, settled in %.1f s; the gateway closed %d upstream connections"
        + " meanwhile (%d were open: queued calls get a connection only to drop it); heap used after full GC %.1f MiB;"
        + " /readyz %d; a new turn %s", upstreamLeft, settleSeconds, churn, upstream, closed[0] / 1024.0, ready,
        turnOk ? "completes" : "FAILED " + (turn[0] == null ? "(no answer in 30 s)" : turn[0].error));
    out("partial replies saved after the close   : %d of %d streams (a bot row with \"interrupted\": true each)%s",
        interruptedRows, withSession.get(), interruptedRows == withSession.get() ? "" : " LOST ROWS");
    if (profile) {
      out("");
      out("-- profile of the gateway while it holds the idle streams (10 s)");
      Profile.summarize(idleJfr, 10).forEach(ChatBench::out);
    }
    out("");
    out("largest heap growth by class with the streams open (per stream: instances, bytes):");
    growth(histBefore, histOpen, 12).forEach(g -> out("   %8.1f  %8.0f B  %s", g.instances() / (double) Math.max(1, stillOpen),
        g.bytes() / (double) Math.max(1, stillOpen), g.name()));
    out("still there after all streams closed and a full GC (total instances, bytes):");
    growth(histBefore, histClosed, 8).forEach(g -> out("   %8d  %8.1f KiB  %s", g.instances(), g.bytes() / 1024.0, g.name()));
    if (!turnOk || ready != 200 || stillOpen != n || interruptedRows != withSession.get()) {
      ok = false;
    }
  }

  record Growth(String name, long instances, long bytes) {
  }

  private static List<Growth> growth(Map<String, long[]> a, Map<String, long[]> b, int n) {
    List<Growth> out = new ArrayList<>();
    b.forEach((name, v) -> {
      long[] w = a.getOrDefault(name, new long[2]);
      out.add(new Growth(name, v[0] - w[0], v[1] - w[1]));
    });
    out.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
    return out.subList(0, Math.min(n, out.size()));
  }

  /** Live objects by class (jcmd GC.class_histogram runs a full GC first): name -> {instances, bytes}. */
  private Map<String, long[]> histogram() throws Exception {
    Map<String, long[]> out = new HashMap<>();
    Pattern row = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    for (String line : jcmd("GC.class_histogram").split("\n")) {
      Matcher m = row.matcher(line);
      if (m.find()) {
        out.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
      }
    }
    return out;
  }

  /** {used, committed} heap in KiB after two full collections, via jcmd. */
  private long[] heap() throws Exception {
    progress("jcmd GC.run, GC.heap_info, GC.class_histogram (safepoint pauses in the gateway)");
    jcmd("GC.run");
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("cannot read GC.heap_info: " + info);
    }
    return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(1))};
  }

  private String jcmd(String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("jcmd", Long.toString(gatewayPid)));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + text);
    }
    return text;
  }

  /** Runs {@code body} while JFR records the gateway, then prints where its Java CPU went. */
  private void profiled(String label, String title, String unit, java.util.concurrent.Callable<Run> body)
      throws Exception {
    if (!"1".equals(opts.getOrDefault("profile", "1"))) {
      return;
    }
    Path file = work.resolve(label + ".jfr");
    progress("profile: " + title);
    jcmd("JFR.start", "name=bench", "settings=profile");
    Run r = body.call();
    jcmd("JFR.stop", "name=bench", "filename=" + file);
    out("");
    out("-- profile of the gateway: %s (a separate run with JFR on: %.0f %s/s)", title, r.ok / r.seconds, unit);
    out("   CPU: %s", r.cpu.format());
    Profile.summarize(file, 12).forEach(ChatBench::out);
  }

  private static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D+", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return 0;
  }

  // ---------------------------------------------------------------- 4. third-party SSE parser (run by the script)

  private void nodeCheck() throws Exception {
    FakeReply reply = FakeReply.tokens("Hello", ", ", "世界", "! ", "\"quoted\"", " and\na new line", " \uD83C\uDF89", " done")
        .delayMs(5);
    fake.script(reply);
    writeAtomically(work.resolve("node.expect"), reply.text());
    writeAtomically(work.resolve("node.ready"), "1");
    progress("waiting for the script's SSE parser check");
    waitForFile(work.resolve("node.done"), 600);
  }

  // ---------------------------------------------------------------- helpers

  private HttpClient client(int poolSize) {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
            .setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(poolSize).setMaxWaitQueueSize(-1));
  }

  private int readyz() throws Exception {
    HttpClient c = vertx.createHttpClient();
    try {
      return await(c.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
          .setURI("/readyz")).compose(r -> r.send()).map(r -> r.statusCode()), 30);
    } finally {
      c.close();
    }
  }

  private static int[] ints(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
  }

  private static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static Path waitForFile(Path file, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + file);
      }
      Thread.sleep(100);
    }
    return file;
  }

  private static Map<String, String> readEnvFile(Path file) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return m;
  }

  private static void out(String format, Object... args) {
    System.out.println(args.length == 0 ? format : String.format(format, args));
    System.out.flush();
  }

  private static void progress(String message) {
    System.err.printf("[bench %tT] %s%n", System.currentTimeMillis(), message);
  }
}
