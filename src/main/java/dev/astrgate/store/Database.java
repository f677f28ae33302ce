package dev.astrgate.store;

import dev.astrgate.config.NodeOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the node's PostgreSQL is: a real server from {@code ASTRGATE_DATABASE_URL}, or an embedded one
 * whose data lives under {@code <data dir>/pg}. Owns the embedded process and runs migrations.
 * All methods here block; call them off the event loop.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private final PgConnectOptions connectOptions;
  private final EmbeddedPostgres embedded;
  private final FileChannel lockChannel;

  private Database(PgConnectOptions connectOptions, EmbeddedPostgres embedded, FileChannel lockChannel) {
    this.connectOptions = connectOptions;
    this.embedded = embedded;
    this.lockChannel = lockChannel;
  }

  /** Starts (or finds) the database the options name. */
  public static Database open(NodeOptions options) throws IOException {
    if (!options.embeddedDatabase()) {
      return new Database(parseUrl(options.databaseUrl()), null, null);
    }
    Path pgDir = options.dataDir().resolve("pg").toAbsolutePath().normalize();
    Files.createDirectories(pgDir.getParent());
    FileChannel lock = lockDataDir(pgDir.getParent());
    try {
      stopOrphan(pgDir);
      return new Database(null, startEmbedded(pgDir, options.embeddedDbPort()), lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** One node per data directory: a second one would fight over the embedded server. */
  private static FileChannel lockDataDir(Path dataDir) throws IOException {
    FileChannel ch = FileChannel.open(dataDir.resolve("astrgate.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException("another astrgate node is using data directory " + dataDir
          + " (give this node its own ASTRGATE_DATA_DIR, or share a server through ASTRGATE_DATABASE_URL)");
    }
    return ch;
  }

  /** A server left running by a node that was killed: we hold the lock, so nobody else owns it. */
  private static void stopOrphan(Path pgDir) {
    Long pid = livePostmasterPid(pgDir);
    if (pid == null) {
      return;
    }
    ProcessHandle.of(pid).ifPresent(ph -> {
      LOG.warn("stopping orphaned embedded postgresql pid={} dir={}", pid, pgDir);
      ph.destroy();
      try {
        ph.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        ph.destroyForcibly();
      }
    });
  }

  private static Long livePostmasterPid(Path pgDir) {
    try {
      List<String> lines = Files.readAllLines(pgDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      long pid = Long.parseLong(lines.get(0).trim());
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static EmbeddedPostgres startEmbedded(Path pgDir, int port) throws IOException {
    long t0 = System.nanoTime();
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setDataDirectory(pgDir)
        .setCleanDataDirectory(false)
        .setPort(port)
        .setPGStartupWait(java.time.Duration.ofSeconds(60))
        .setRegisterShutdownHook(false)
        .setServerConfig("max_connections", "200")
        .setServerConfig("listen_addresses", "127.0.0.1")
        // zonky starts the server for tests, with fsync off (-F) and synchronous_commit off; a node's committed rows
        // must survive a crash of the machine, so both go back on (a -c after -F wins).
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        // initdb otherwise takes the machine's locale: SQL_ASCII under LANG=C (no UTF-8 check on rows), and a libc
        // collation under C.UTF-8 that sends every text-key comparison through strcoll; C compares bytes.
        // Applies when the data directory is first made.
        .setLocaleConfig("encoding", "UTF8")
        .setLocaleConfig("locale", "C")
        .start();
    LOG.info("embedded postgresql started dir={} port={} ms={}", pgDir, pg.getPort(), (System.nanoTime() - t0) / 1_000_000);
    return pg;
  }

  /**
   * Connects to the embedded database of a data directory if a node is running it already, else starts it.
   * Lets the CLI manage keys next to a running node.
   */
  public static Database openForTool(NodeOptions options) throws IOException {
    if (options.embeddedDatabase()) {
      Integer port = runningEmbeddedPort(options.dataDir().resolve("pg"));
      if (port != null) {
        return new Database(localOptions(port), null, null);
      }
    }
    return open(options);
  }

  /** The port in a live postmaster.pid, or null when no server is running on that directory. */
  static Integer runningEmbeddedPort(Path pgDir) {
    Path pid = pgDir.resolve("postmaster.pid");
    if (!Files.isRegularFile(pid)) {
      return null;
    }
    try {
      List<String> lines = Files.readAllLines(pid, StandardCharsets.UTF_8);
      int port = Integer.parseInt(lines.get(3).trim());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return port;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static PgConnectOptions localOptions(int port) {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser("postgres").setDatabase("postgres");
  }

  static PgConnectOptions parseUrl(String url) {
    String uri = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
    return PgConnectOptions.fromUri(uri);
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(embedded != null ? localOptions(embedded.getPort()) : connectOptions);
  }

  public boolean isEmbedded() {
    return embedded != null;
  }

  /** Applies Flyway migrations; Flyway's advisory lock makes concurrent starts of several nodes safe. */
  public void migrate() {
    PgConnectOptions o = connectOptions();
    String jdbc = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    Flyway.configure()
        .dataSource(jdbc, o.getUser(), o.getPassword())
        .locations("classpath:db/migration")
        .connectRetries(10)
        .load()
        .migrate();
  }

  @Override
  public void close() {
    if (embedded != null) {
      try {
        embedded.close();
        LOG.info("embedded postgresql stopped");
      } catch (IOException e) {
        LOG.warn("embedded postgresql stop failed reason={}", e.getMessage());
      }
    }
    if (lockChannel != null) {
      try {
        lockChannel.close();
      } catch (IOException ignored) {
        // the lock goes with the process anyway
      }
    }
  }
}
