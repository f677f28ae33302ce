package dev.astrgate;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.auth.Scopes;
import dev.astrgate.config.NodeOptions;
import dev.astrgate.store.Database;
import dev.astrgate.store.KeyRepository;
import dev.astrgate.store.StoreVerticle;
import dev.astrgate.store.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.PrintWriter;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code astrgate keys create|list|revoke}. Works on the same database as the node; with the embedded default it
 * attaches to a running node's PostgreSQL, or starts it briefly when no node runs.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage API keys.",
    subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
final class KeysCommand {


  /** Runs one repository operation against the configured database and returns the exit code. */
  static int withKeys(Main.SettingsMixin settings, CommandSpec spec, Function<KeyRepository, Future<Integer>> op) {
    PrintWriter err = spec.commandLine().getErr();
    NodeOptions options = NodeOptions.fromEnv(settings.environment());
    Vertx vertx = Vertx.vertx();
    try (Database db = Database.openForTool(options)) {
      db.migrate();
      Pool pool = StoreVerticle.createPool(vertx, db.connectOptions(), 1);
      try {
        return op.apply(new KeyRepository(pool)).toCompletionStage().toCompletableFuture().get();
      } finally {
        pool.close().toCompletionStage().toCompletableFuture().join();
      }
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      err.println("astrgate keys: " + cause.getMessage());
      return 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a key and print it once, alone on the last line.")
  static final class Create implements Callable<Integer> {
    @Mixin
    Main.SettingsMixin settings;
    @Spec
    CommandSpec spec;

    @Option(names = "--name", description = "a name for people (default \"Untitled API Key\")")
    String name;

    @Option(names = "--scopes", split = ",", description = "chat,config,file,im (default: these four), platform (adapter workers); unknown ones are dropped")
    List<String> scopes;

    @Option(names = "--username", description = "bind the key to this username (Part A.7)")
    String username;

    @Option(names = "--expires-in-days", description = "days until the key expires (a positive integer)")
    String expiresInDays;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      List<String> kept = scopes == null ? Scopes.ALL : Scopes.normalize(scopes);
      if (kept.isEmpty()) {
        err.println("At least one valid scope is required");
        return 2;
      }
      OffsetDateTime expires = null;
      if (expiresInDays != null) {
        int days;
        try {
          days = Integer.parseInt(expiresInDays.strip());
        } catch (NumberFormatException e) {
          err.println("expires_in_days must be an integer");
          return 2;
        }
        if (days <= 0) {
          err.println("expires_in_days must be greater than 0");
          return 2;
        }
        expires = OffsetDateTime.now(ZoneOffset.UTC).plusDays(days);
      }
      String keyName = name == null || name.strip().isEmpty() ? "Untitled API Key" : name.strip();
      String bound = username == null || username.strip().isEmpty() ? null : username.strip();
      String raw = KeyMaterial.newRawKey();
      KeyRepository.NewKey nk = new KeyRepository.NewKey(keyName, KeyMaterial.hash(raw), KeyMaterial.prefix(raw), kept,
          "cli", bound, expires);
      return withKeys(settings, spec, keys -> keys.insert(nk).map(k -> {
        out.println("key_id:   " + k.keyId());
        out.println("name:     " + k.name());
        out.println("prefix:   " + k.keyPrefix());
        out.println("scopes:   " + String.join(",", k.scopes()));
        out.println("username: " + (k.boundUsername() == null ? "(any)" : k.boundUsername()));
        out.println("expires:  " + (k.expiresAt() == null ? "never" : Timestamps.iso(k.expiresAt())));
        out.println("This key is shown once. Store it now:");
        out.println(raw);
        out.flush();
        return 0;
      }));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never shows a key or its hash).")
  static final class ListKeys implements Callable<Integer> {
    @Mixin
    Main.SettingsMixin settings;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return withKeys(settings, spec, keys -> keys.list().map(list -> {
        String fmt = "%-36s  %-12s  %-20s  %-20s  %-12s  %-25s  %-25s  %-25s  %s%n";
        out.printf(fmt, "KEY_ID", "PREFIX", "NAME", "SCOPES", "USERNAME", "CREATED", "LAST_USED", "EXPIRES", "REVOKED");
        for (ApiKey k : list) {
          out.printf(fmt, k.keyId(), k.keyPrefix(), k.name(),
              k.scopes() == null ? "*" : String.join(",", k.scopes()),
              k.boundUsername() == null ? "-" : k.boundUsername(),
              Timestamps.iso(k.createdAt()), orDash(k.lastUsedAt()), orDash(k.expiresAt()),
              k.revokedAt() == null ? "no" : "yes " + Timestamps.iso(k.revokedAt()));
        }
        out.flush();
        return 0;
      }));
    }

    private static String orDash(OffsetDateTime t) {
      return t == null ? "-" : Timestamps.iso(t);
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a key; every running node refuses it within seconds.")
  static final class Revoke implements Callable<Integer> {
    @Mixin
    Main.SettingsMixin settings;
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY_ID", description = "the key_id shown by 'keys list'")
    String keyId;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      return withKeys(settings, spec, keys -> keys.revoke(keyId.strip()).map(outcome -> {
        switch (outcome) {
          case REVOKED -> out.println("revoked " + keyId.strip());
          case ALREADY_REVOKED -> err.println("API key already revoked: " + keyId.strip());
          default -> err.println("API key not found");
        }
        out.flush();
        err.flush();
        return outcome == KeyRepository.Revocation.REVOKED ? 0 : 1;
      }));
    }
  }

}
