import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP load: C connections each send GETs back to back for D seconds, per target, in one run.
 * Usage: java -cp target/astrgate.jar bench/HttpBench.java <port> <key> <connections> <seconds> <path>...
 */
public class HttpBench {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String key = args[1];
    int conns = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    List<String> paths = Arrays.asList(args).subList(4, args.length);
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(conns));
    System.out.printf("%-28s %10s %10s %10s %10s %8s%n", "path", "req/s", "p50 ms", "p99 ms", "max ms", "errors");
    for (int round = 0; round < 2; round++) {
      for (String path : paths) {
        Result r = run(vertx, client, port, key, path, conns, round == 0 ? 2 : seconds);
        if (round == 1) {
          System.out.printf("%-28s %10.0f %10.3f %10.3f %10.3f %8d%n", path, r.rps, r.p50, r.p99, r.max, r.errors);
        }
      }
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  record Result(double rps, double p50, double p99, double max, long errors) {}

  static Result run(Vertx vertx, HttpClient client, int port, String key, String path, int conns, int seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<long[]> lat = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < conns; i++) {
      long[] samples = new long[4_000_000 / conns + 1];
      lat.add(samples);
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      int[] n = {0};
      vertx.runOnContext(v -> loop(client, port, key, path, end, samples, n, errors, done));
    }
    long t0 = System.nanoTime();
    Future.all(loops).toCompletionStage().toCompletableFuture().get(seconds + 30L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long total = 0;
    for (long[] s : lat) {
      for (long x : s) {
        if (x > 0) {
          total++;
        }
      }
    }
    long[] all = new long[(int) total];
    int k = 0;
    for (long[] s : lat) {
      for (long x : s) {
        if (x > 0) {
          all[k++] = x;
        }
      }
    }
    Arrays.sort(all);
    return new Result(total / elapsed, pct(all, 0.50), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6,
        errors.get());
  }

  static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
  }

  static void loop(HttpClient client, int port, String key, String path, long end, long[] samples, int[] n,
                   AtomicLong errors, Promise<Void> done) {
    if (System.nanoTime() >= end || n[0] >= samples.length) {
      done.complete();
      return;
    }
    long t = System.nanoTime();
    client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path)
            .putHeader("X-API-Key", key))
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 200) {
            samples[n[0]++] = Math.max(1, System.nanoTime() - t);
          } else {
            errors.incrementAndGet();
          }
          loop(client, port, key, path, end, samples, n, errors, done);
        });
  }
}
