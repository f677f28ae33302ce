package dev.astrgate;

import dev.astrgate.config.ConfLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code astrgate init [DIR]}: writes a starter {@code DIR/conf/default.json} holding every key astrgate reads. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Write a starter conf/default.json (every key astrgate reads, secrets as ${VAR}) and say what to edit.")
final class InitCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", defaultValue = ".", description = "directory to create conf/ in (default: .)")
  Path dir;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path conf = dir.resolve("conf");
    Path file = conf.resolve(ConfLoader.DEFAULT_FILE);
    if (Files.exists(file)) {
      err.println("astrgate init: " + file + " exists; not overwriting it");
      return 1;
    }
    try {
      Files.createDirectories(conf);
      Files.writeString(file, starter().encodePrettily() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("astrgate init: cannot write " + file + ": " + e.getMessage());
      return 1;
    }
    out.println("wrote " + file);
    out.println();
    out.println("Edit it, or set the variables it reads:");
    out.println("  OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL   the LLM (any OpenAI-compatible server)");
    out.println("  platform[]                                     set \"enable\": true on the bots you run;");
    out.println("    TELEGRAM_TOKEN (telegram), QQ_WS_TOKEN (aiocqhttp, OneBot v11 reverse WebSocket)");
    out.println("  platform_settings.rate_limit, provider_settings as in AstrBot's cmd_config.json; docs/config.md lists every key");
    out.println("Extra configs go beside it as conf/<id>.json. Start a node from " + dir.toAbsolutePath().normalize() + ":");
    out.println("  java -jar astrgate.jar        (data in ./data; or ASTRGATE_CONF_DIR=" + conf.toAbsolutePath().normalize() + ")");
    out.flush();
    return 0;
  }

  /** The built-in default plus one disabled entry per platform type, so every platform key is there to edit. */
  static JsonObject starter() {
    JsonObject json = new JsonObject(new String(ConfLoader.builtInBytes(), StandardCharsets.UTF_8));
    json.put("platform", new JsonArray()
        .add(new JsonObject().put("id", "telegram").put("type", "telegram").put("enable", false)
            .put("telegram_token", "${TELEGRAM_TOKEN:-}")
            .put("telegram_api_base_url", "https://api.telegram.org/bot")
            .put("telegram_file_base_url", "https://api.telegram.org/file/bot")
            .put("telegram_polling_timeout", 30).put("attachment_max_bytes", 20 * 1024 * 1024))
        .add(new JsonObject().put("id", "qq").put("type", "aiocqhttp").put("enable", false)
            .put("ws_reverse_host", "0.0.0.0").put("ws_reverse_port", 6199).put("ws_reverse_token", "${QQ_WS_TOKEN:-}")
            .put("api_timeout_seconds", 10).put("attachment_max_bytes", 20 * 1024 * 1024)));
    return json;
  }
}
