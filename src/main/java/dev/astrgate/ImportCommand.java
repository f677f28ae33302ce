package dev.astrgate;

import dev.astrgate.config.NodeOptions;
import dev.astrgate.importer.AstrBotImport;
import dev.astrgate.store.Database;
import io.vertx.pgclient.PgConnectOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code astrgate import astrbot DIR [--dry-run]}. */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Import from another gateway.",
    subcommands = {ImportCommand.AstrBot.class})
final class ImportCommand {

  @Command(name = "astrbot", mixinStandardHelpOptions = true,
      description = {"Import an AstrBot data directory (cmd_config.json, config/abconf_*.json, data_v4.db):",
          "configs into the conf directory, keys (same raw keys keep working), sessions, history, conversations and",
          "attachments into the database. A second run imports nothing twice."})
  static final class AstrBot implements Callable<Integer> {
    @Mixin
    Main.SettingsMixin settings;
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "AstrBot's data directory (or its root, which holds data/)")
    Path dir;

    @Option(names = "--dry-run", description = "print what would be imported and write nothing")
    boolean dryRun;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Map<String, String> env = settings.environment();
      NodeOptions options = NodeOptions.fromEnv(env);
      AstrBotImport job = new AstrBotImport(dir, options.confDir(), dryRun, env);
      try (Database db = Database.openForTool(options)) {
        db.migrate();
        PgConnectOptions o = db.connectOptions();
        String jdbc = "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
        out.println("astrgate import astrbot " + job.dir().toAbsolutePath().normalize()
            + (dryRun ? " (dry run: nothing is written)" : ""));
        AstrBotImport.Report report = job.run(jdbc, o.getUser(), o.getPassword());
        report.print(out);
        out.println(dryRun ? "dry run: nothing written" : "done");
        out.flush();
        return 0;
      } catch (AstrBotImport.ImportException e) {
        err.println("astrgate import: " + e.getMessage() + " (nothing was imported)");
        return 1;
      } catch (Exception e) {
        err.println("astrgate import: " + (e.getCause() != null ? e.getCause() : e));
        return 1;
      }
    }
  }
}
