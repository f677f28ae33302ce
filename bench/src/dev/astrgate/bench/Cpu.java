package dev.astrgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of the processes in a run, from /proc: the gateway JVM, its embedded PostgreSQL (postmaster and its
 * children), this driver (load generator and fake upstream), and the whole machine, so that whatever else runs on the
 * machine shows up as "others". Linux only; zeros elsewhere.
 */
final class Cpu {
  private static final double TICKS_PER_SECOND = 100.0;

  /** Clock ticks at one moment; PostgreSQL per process, since backends come and go between two snapshots. */
  record Snapshot(long nanos, long gateway, long gatewaySys, Map<Long, Long> postgres, long driver, long machineBusy) {
  }

  /** Percent of one core used by each part between two snapshots (so 200 is both cores). */
  record Usage(double gateway, double gatewaySys, double postgres, double driver, double machine) {
    double others() {
      return Math.max(0, machine - gateway - postgres - driver);
    }

    String format() {
      return String.format("gateway %3.0f%% (kernel %2.0f%%)  postgres %3.0f%%  driver+fake %3.0f%%  others %3.0f%%  machine %3.0f%%",
          gateway, gatewaySys, postgres, driver, others(), machine);
    }
  }

  private final long gatewayPid;
  private final Path postmasterPidFile;

  Cpu(long gatewayPid, Path postmasterPidFile) {
    this.gatewayPid = gatewayPid;
    this.postmasterPidFile = postmasterPidFile;
  }

  Snapshot snap() {
    long self = ProcessHandle.current().pid();
    String[] g = stat(gatewayPid);
    long gUser = g == null ? 0 : Long.parseLong(g[11]);
    long gSys = g == null ? 0 : Long.parseLong(g[12]);
    return new Snapshot(System.nanoTime(), gUser + gSys, gSys, postgresTicks(), ticks(self), machineBusy());
  }

  static Usage between(Snapshot a, Snapshot b) {
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    double f = 100.0 / TICKS_PER_SECOND / seconds;
    long pg = 0;
    for (Map.Entry<Long, Long> e : b.postgres().entrySet()) {
      pg += Math.max(0, e.getValue() - a.postgres().getOrDefault(e.getKey(), 0L));
    }
    return new Usage((b.gateway() - a.gateway()) * f, (b.gatewaySys() - a.gatewaySys()) * f, pg * f,
        (b.driver() - a.driver()) * f, (b.machineBusy() - a.machineBusy()) * f);
  }

  /** utime + stime of one process (all its threads), in clock ticks. */
  private static long ticks(long pid) {
    String[] f = stat(pid);
    return f == null ? 0 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Fields after the ")" that closes the command name: index 0 is the state, 1 the ppid, 11/12 utime/stime. */
  private static String[] stat(long pid) {
    try {
      String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return s.substring(s.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private Map<Long, Long> postgresTicks() {
    Map<Long, Long> out = new HashMap<>();
    long postmaster;
    try {
      postmaster = Long.parseLong(Files.readAllLines(postmasterPidFile).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return out;
    }
    out.put(postmaster, ticks(postmaster));
    try (var dirs = Files.list(Path.of("/proc"))) {
      dirs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit)).forEach(n -> {
        String[] f = stat(Long.parseLong(n));
        if (f != null && Long.parseLong(f[1]) == postmaster) {
          out.put(Long.parseLong(n), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
      });
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  private static long machineBusy() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
      String[] f = lines.get(0).trim().split("\\s+");
      long busy = 0;
      // user nice system [idle iowait] irq softirq
      for (int i = 1; i < f.length && i <= 7; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
