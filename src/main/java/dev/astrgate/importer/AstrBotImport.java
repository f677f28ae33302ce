package dev.astrgate.importer;

import dev.astrgate.auth.LegacyKeys;
import dev.astrgate.config.ConfException;
import dev.astrgate.config.ConfLoader;
import dev.astrgate.platform.webchat.Webchat;
import dev.astrgate.store.AttachmentRepository;
import dev.astrgate.store.KeyRepository;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;

/**
 * Reads an AstrBot data directory ({@code cmd_config.json}, {@code config/abconf_*.json}, {@code data_v4.db}) into
 * astrgate: configs become conf/ files, database rows go into PostgreSQL in one transaction. Every imported upstream
 * row is recorded in {@code imported_rows}, so a second run imports nothing twice. A malformed row stops the run
 * with nothing written and names the file, the table and the row; a missing attachment file is only reported.
 */
public final class AstrBotImport {
  static final String SOURCE = "astrbot";
  static final String DB_FILE = "data_v4.db";
  private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern ABCONF = Pattern.compile("abconf_([A-Za-z0-9_-]+)\\.json");

  /** What one run did, table by table, for the report. */
  public static final class Report {
    final Map<String, int[]> tables = new LinkedHashMap<>(); // table -> {new, already imported, skipped}
    final List<String> configs = new ArrayList<>();
    final List<String> missing = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    int[] table(String name) {
      return tables.computeIfAbsent(name, k -> new int[3]);
    }

    public int imported(String table) {
      return tables.getOrDefault(table, new int[3])[0];
    }

    public int already(String table) {
      return tables.getOrDefault(table, new int[3])[1];
    }

    public List<String> missing() {
      return missing;
    }

    public List<String> configs() {
      return configs;
    }

    public void print(PrintWriter out) {
      configs.forEach(c -> out.println("  " + c));
      tables.forEach((t, n) -> out.printf("  %-26s %d new, %d already imported%s%n", t, n[0], n[1],
          n[2] > 0 ? ", " + n[2] + " skipped" : ""));
      missing.forEach(m -> out.println("  missing: " + m));
      notes.forEach(n -> out.println("  note: " + n));
    }
  }

  /** A row or file astrgate cannot import; the message names the file, the table and the row. */
  public static final class ImportException extends RuntimeException {
    ImportException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path dir;
  private final Path confDir;
  private final boolean dryRun;
  private final Map<String, String> env;
  private final Report report = new Report();

  public AstrBotImport(Path dir, Path confDir, boolean dryRun, Map<String, String> env) {
    this.dir = dataDir(dir);
    this.confDir = confDir;
    this.dryRun = dryRun;
    this.env = env;
  }

  /** Accepts AstrBot's data directory or its root (which holds data/). */
  static Path dataDir(Path given) {
    if (!Files.exists(given.resolve(DB_FILE)) && !Files.exists(given.resolve("cmd_config.json"))
        && Files.isDirectory(given.resolve("data"))) {
      return given.resolve("data");
    }
    return given;
  }

  public Path dir() {
    return dir;
  }

  /** Runs the import against PostgreSQL ({@code jdbcUrl}, user, password); on a dry run nothing is written. */
  public Report run(String jdbcUrl, String user, String password) {
    if (!Files.isDirectory(dir)) {
      throw new ImportException(dir + ": not a directory", null);
    }
    Path db = dir.resolve(DB_FILE);
    try (Connection pg = DriverManager.getConnection(jdbcUrl, user, password)) {
      pg.setAutoCommit(false);
      Map<String, String> configNames = Map.of();
      if (Files.isRegularFile(db)) {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        try (Connection lite = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath(), cfg.toProperties())) {
          Set<String> tables = tables(lite);
          configNames = configNames(lite, tables);
          importKeys(lite, pg, tables);
          importSessions(lite, pg, tables);
          importHistory(lite, pg, tables);
          importConversations(lite, pg, tables);
          importPreferences(lite, pg, tables);
          importAttachments(lite, pg, tables);
        }
      } else {
        report.notes.add(db + " not found: no keys, sessions or history to import");
      }
      List<Runnable> writes = configs(configNames);
      if (dryRun) {
        pg.rollback();
      } else {
        try (PreparedStatement n = pg.prepareStatement("SELECT pg_notify(?, 'import')")) {
          n.setString(1, KeyRepository.CHANNEL); // running nodes drop their key caches and learn the new prefixes
          n.execute();
        }
        pg.commit();
        writes.forEach(Runnable::run);
      }
    } catch (SQLException e) {
      throw new ImportException("database error: " + e.getMessage(), e);
    }
    return report;
  }

  // ---- configs ----

  private List<Runnable> configs(Map<String, String> names) {
    List<Runnable> writes = new ArrayList<>();
    Path main = dir.resolve("cmd_config.json");
    if (Files.isRegularFile(main)) {
      byte[] bytes = read(main);
      check(main);
      plan(writes, main, confDir.resolve(ConfLoader.DEFAULT_FILE), bytes);
    } else {
      report.notes.add(main + " not found: conf/default.json left as is");
    }
    Path extraDir = dir.resolve("config");
    if (Files.isDirectory(extraDir)) {
      try (Stream<Path> files = Files.list(extraDir)) {
        for (Path p : files.sorted().toList()) {
          var m = ABCONF.matcher(p.getFileName().toString());
          if (!m.matches()) {
            continue;
          }
          String id = m.group(1);
          JsonObject json = check(p);
          String name = names.get(id);
          byte[] bytes = read(p);
          if (name != null && !name.equals(json.getValue("name"))) {
            // astrgate reads a config's display name from its file; AstrBot keeps it in abconf_mapping.
            JsonObject raw = new JsonObject(stripBom(new String(bytes, StandardCharsets.UTF_8)));
            bytes = (raw.put("name", name).encodePrettily() + "\n").getBytes(StandardCharsets.UTF_8);
          }
          plan(writes, p, confDir.resolve(id + ".json"), bytes);
        }
      } catch (IOException e) {
        throw new ImportException(extraDir + ": cannot list: " + e.getMessage(), e);
      }
    }
    return writes;
  }

  private void plan(List<Runnable> writes, Path from, Path to, byte[] bytes) {
    String rel = dir.relativize(from).toString();
    if (Files.isRegularFile(to)) {
      byte[] now = read(to);
      report.configs.add(to + (Arrays.equals(now, bytes) ? ": unchanged (from " + rel + ")"
          : ": exists and differs from " + rel + ", left as is"));
      return;
    }
    report.configs.add(to + ": " + (dryRun ? "would be written" : "written") + " from " + rel);
    writes.add(() -> {
      try {
        Files.createDirectories(to.getParent());
        Files.write(to, bytes);
      } catch (IOException e) {
        throw new ImportException(to + ": cannot write: " + e.getMessage(), e);
      }
    });
  }

  /** The file must load as an astrgate config (strict JSON, ${VAR} references set). */
  private JsonObject check(Path file) {
    try {
      return new ConfLoader(env).readFile(file);
    } catch (ConfException e) {
      throw new ImportException(e.getMessage(), e);
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new ImportException(p + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  // ---- database rows ----

  private static Set<String> tables(Connection lite) throws SQLException {
    Set<String> out = new TreeSet<>();
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** abconf_mapping: config id -> display name. */
  private Map<String, String> configNames(Connection lite, Set<String> tables) throws SQLException {
    Map<String, String> names = new LinkedHashMap<>();
    if (!tables.contains("preferences")) {
      return names;
    }
    try (PreparedStatement s = lite.prepareStatement(
        "SELECT id, value FROM preferences WHERE scope = 'global' AND key = 'abconf_mapping'")) {
      ResultSet rs = s.executeQuery();
      while (rs.next()) {
        Row row = new Row("preferences", "id=" + rs.getString(1));
        JsonObject val = row.object(rs.getString(2), "value").getJsonObject("val", new JsonObject());
        val.forEach(e -> {
          if (e.getValue() instanceof JsonObject o && o.getValue("name") instanceof String n) {
            names.put(e.getKey(), n);
          }
        });
      }
    }
    return names;
  }

  /** One upstream row, for error messages: {@code data_v4.db: <table> row <key>: <reason>}. */
  private final class Row {
    final String table;
    final String key;

    Row(String table, String key) {
      this.table = table;
      this.key = key;
    }

    ImportException error(String reason, Throwable cause) {
      return new ImportException(dir.resolve(DB_FILE) + ": " + table + " row " + key + ": " + reason, cause);
    }

    OffsetDateTime time(String value, String column, boolean required) {
      if (value == null || value.isBlank()) {
        if (required) {
          throw error(column + " is empty", null);
        }
        return null;
      }
      String v = value.strip().replace(' ', 'T');
      try {
        if (v.endsWith("Z") || v.matches(".*[+-]\\d\\d:\\d\\d$")) {
          return OffsetDateTime.parse(v).withOffsetSameInstant(ZoneOffset.UTC);
        }
        return LocalDateTime.parse(v).atOffset(ZoneOffset.UTC); // SQLite keeps upstream's naive UTC
      } catch (RuntimeException e) {
        throw error(column + " is not a timestamp: '" + value + "'", e);
      }
    }

    Object json(String value, String column) {
      if (value == null) {
        return null;
      }
      try {
        return io.vertx.core.json.Json.decodeValue(value);
      } catch (DecodeException e) {
        throw error(column + " is not JSON: " + e.getMessage(), e);
      }
    }

    JsonObject object(String value, String column) {
      Object v = json(value, column);
      if (!(v instanceof JsonObject o)) {
        throw error(column + " is not a JSON object", null);
      }
      return o;
    }

    String required(ResultSet rs, String column) throws SQLException {
      String v = rs.getString(column);
      if (v == null) {
        throw error(column + " is null", null);
      }
      return v;
    }
  }

  /** Records the row in the ledger; true when it was not imported before (then the caller inserts it). */
  private boolean claim(Connection pg, String table, String key) throws SQLException {
    try (PreparedStatement s = pg.prepareStatement("INSERT INTO imported_rows (source, source_table, source_key)"
        + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
      s.setString(1, SOURCE);
      s.setString(2, table);
      s.setString(3, key);
      boolean fresh = s.executeUpdate() == 1;
      report.table(table)[fresh ? 0 : 1]++;
      return fresh;
    }
  }

  private static String jsonText(Object v) {
    return v == null ? null : io.vertx.core.json.Json.encode(v);
  }

  private void importKeys(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("api_keys")) {
      return;
    }
    report.table("api_keys");
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT key_id, name, key_hash, key_prefix, scopes, created_by,"
        + " last_used_at, expires_at, revoked_at, created_at, updated_at FROM api_keys ORDER BY inner_id")) {
      while (rs.next()) {
        Row row = new Row("api_keys", "key_id=" + rs.getString("key_id"));
        String keyId = row.required(rs, "key_id");
        String hash = row.required(rs, "key_hash");
        if (!HEX64.matcher(hash).matches()) {
          throw row.error("key_hash is not upstream's 64-hex PBKDF2 hash", null);
        }
        Object scopes = row.json(rs.getString("scopes"), "scopes");
        if (scopes != null && !(scopes instanceof JsonArray)) {
          throw row.error("scopes is not a JSON list", null);
        }
        OffsetDateTime created = row.time(rs.getString("created_at"), "created_at", true);
        if (!claim(pg, "api_keys", keyId)) {
          continue;
        }
        try (PreparedStatement s = pg.prepareStatement("INSERT INTO api_keys (key_id, name, key_hash, key_prefix, scopes,"
            + " created_by, last_used_at, expires_at, revoked_at, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
          s.setString(1, keyId);
          s.setString(2, row.required(rs, "name"));
          s.setString(3, LegacyKeys.HASH_PREFIX + hash.toLowerCase(java.util.Locale.ROOT));
          s.setString(4, row.required(rs, "key_prefix"));
          s.setString(5, jsonText(scopes));
          s.setString(6, rs.getString("created_by") == null ? "astrbot" : rs.getString("created_by"));
          s.setObject(7, row.time(rs.getString("last_used_at"), "last_used_at", false));
          s.setObject(8, row.time(rs.getString("expires_at"), "expires_at", false));
          s.setObject(9, row.time(rs.getString("revoked_at"), "revoked_at", false));
          s.setObject(10, created);
          s.setObject(11, orElse(row.time(rs.getString("updated_at"), "updated_at", false), created));
          s.executeUpdate();
        }
      }
    }
  }

  private static OffsetDateTime orElse(OffsetDateTime t, OffsetDateTime other) {
    return t != null ? t : other;
  }

  private void importSessions(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("platform_sessions")) {
      return;
    }
    report.table("platform_sessions");
    // Upstream's session list hides sessions that belong to a ChatUI project; astrgate has no projects.
    String exclude = tables.contains("session_project_relations")
        ? " WHERE session_id NOT IN (SELECT session_id FROM session_project_relations)" : "";
    if (!exclude.isEmpty()) {
      try (ResultSet rs = lite.createStatement().executeQuery("SELECT count(*) FROM session_project_relations")) {
        int n = rs.next() ? rs.getInt(1) : 0;
        report.table("platform_sessions")[2] += n;
        if (n > 0) {
          report.notes.add(n + " session(s) of ChatUI projects not imported (upstream's session list hides them too)");
        }
      }
    }
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT session_id, platform_id, creator, display_name,"
        + " is_group, created_at, updated_at FROM platform_sessions" + exclude + " ORDER BY inner_id")) {
      while (rs.next()) {
        Row row = new Row("platform_sessions", "session_id=" + rs.getString("session_id"));
        String sid = row.required(rs, "session_id");
        OffsetDateTime created = row.time(rs.getString("created_at"), "created_at", true);
        OffsetDateTime updated = orElse(row.time(rs.getString("updated_at"), "updated_at", false), created);
        String creator = row.required(rs, "creator");
        if (!claim(pg, "platform_sessions", sid)) {
          continue;
        }
        try (PreparedStatement s = pg.prepareStatement("INSERT INTO platform_sessions (session_id, platform_id, creator,"
            + " display_name, is_group, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
          s.setString(1, sid);
          s.setString(2, rs.getString("platform_id") == null ? Webchat.ID : rs.getString("platform_id"));
          s.setString(3, creator);
          s.setString(4, rs.getString("display_name"));
          s.setInt(5, rs.getInt("is_group"));
          s.setObject(6, created);
          s.setObject(7, updated);
          s.executeUpdate();
        }
      }
    }
  }

  private void importHistory(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("platform_message_history")) {
      return;
    }
    report.table("platform_message_history");
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT id, platform_id, user_id, sender_id, sender_name,"
        + " content, created_at, updated_at FROM platform_message_history ORDER BY id")) {
      while (rs.next()) {
        Row row = new Row("platform_message_history", "id=" + rs.getString("id"));
        Object content = row.json(row.required(rs, "content"), "content");
        OffsetDateTime created = row.time(rs.getString("created_at"), "created_at", true);
        if (!claim(pg, "platform_message_history", rs.getString("id"))) {
          continue;
        }
        try (PreparedStatement s = pg.prepareStatement("INSERT INTO platform_message_history (platform_id, user_id,"
            + " sender_id, sender_name, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)")) {
          s.setString(1, row.required(rs, "platform_id"));
          s.setString(2, row.required(rs, "user_id"));
          s.setString(3, rs.getString("sender_id"));
          s.setString(4, rs.getString("sender_name"));
          s.setString(5, jsonText(content));
          s.setObject(6, created);
          s.setObject(7, orElse(row.time(rs.getString("updated_at"), "updated_at", false), created));
          s.executeUpdate();
        }
      }
    }
  }

  private void importConversations(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("conversations")) {
      return;
    }
    report.table("conversations");
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT conversation_id, platform_id, user_id, content, title,"
        + " persona_id, token_usage, created_at, updated_at FROM conversations ORDER BY inner_conversation_id")) {
      while (rs.next()) {
        Row row = new Row("conversations", "conversation_id=" + rs.getString("conversation_id"));
        String id = row.required(rs, "conversation_id");
        Object content = row.json(rs.getString("content"), "content");
        if (content != null && !(content instanceof JsonArray)) {
          throw row.error("content is not a JSON list of messages", null);
        }
        OffsetDateTime created = row.time(rs.getString("created_at"), "created_at", true);
        if (!claim(pg, "conversations", id)) {
          continue;
        }
        try (PreparedStatement s = pg.prepareStatement("INSERT INTO conversations (conversation_id, platform_id, user_id,"
            + " content, title, persona_id, token_usage, created_at, updated_at) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING")) {
          s.setString(1, id);
          s.setString(2, row.required(rs, "platform_id"));
          s.setString(3, row.required(rs, "user_id"));
          s.setString(4, jsonText(content));
          s.setString(5, rs.getString("title"));
          s.setString(6, rs.getString("persona_id"));
          s.setInt(7, rs.getInt("token_usage"));
          s.setObject(8, created);
          s.setObject(9, orElse(row.time(rs.getString("updated_at"), "updated_at", false), created));
          s.executeUpdate();
        }
      }
    }
  }

  /** Each UMO's current conversation, and the UMO config routes merged into astrgate's (astrgate's win). */
  private void importPreferences(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("preferences")) {
      return;
    }
    report.table("preferences");
    int other = 0;
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT id, scope, scope_id, key, value FROM preferences ORDER BY id")) {
      while (rs.next()) {
        Row row = new Row("preferences", "id=" + rs.getString("id"));
        String scope = rs.getString("scope");
        String key = rs.getString("key");
        boolean current = "umo".equals(scope) && "sel_conv_id".equals(key);
        boolean routes = "global".equals(scope) && "umop_config_routing".equals(key);
        if (!current && !routes) {
          other++;
          continue;
        }
        JsonObject value = row.object(row.required(rs, "value"), "value");
        if (routes && !(value.getValue("val") instanceof JsonObject)) {
          throw row.error("umop_config_routing value has no object 'val'", null);
        }
        if (!claim(pg, "preferences", rs.getString("id"))) {
          continue;
        }
        String sql = current
            ? "INSERT INTO preferences (scope, scope_id, key, value) VALUES ('umo', ?, 'sel_conv_id', ?::jsonb)"
                + " ON CONFLICT (scope, scope_id, key) DO NOTHING"
            : "INSERT INTO preferences (scope, scope_id, key, value) VALUES ('global', ?, 'umop_config_routing', ?::jsonb)"
                + " ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = jsonb_build_object('val',"
                + " (EXCLUDED.value->'val') || (preferences.value->'val')), updated_at = now()";
        try (PreparedStatement s = pg.prepareStatement(sql)) {
          s.setString(1, row.required(rs, "scope_id"));
          s.setString(2, value.encode());
          s.executeUpdate();
        }
      }
    }
    report.table("preferences")[2] += other;
  }

  private void importAttachments(Connection lite, Connection pg, Set<String> tables) throws SQLException {
    if (!tables.contains("attachments")) {
      return;
    }
    report.table("attachments");
    try (ResultSet rs = lite.createStatement().executeQuery("SELECT attachment_id, path, type, mime_type, created_at,"
        + " updated_at FROM attachments ORDER BY inner_attachment_id")) {
      while (rs.next()) {
        Row row = new Row("attachments", "attachment_id=" + rs.getString("attachment_id"));
        String id = row.required(rs, "attachment_id");
        String path = row.required(rs, "path");
        Path file = locate(path);
        if (file == null) {
          report.missing.add(dir.resolve(DB_FILE) + ": attachments row attachment_id=" + id + ": file not found: " + path);
          continue; // not claimed: a later run imports it once the file is back
        }
        OffsetDateTime created = row.time(rs.getString("created_at"), "created_at", true);
        if (!claim(pg, "attachments", id)) {
          continue;
        }
        copyAttachment(pg, row, id, file, rs.getString("type"), rs.getString("mime_type"), created,
            orElse(row.time(rs.getString("updated_at"), "updated_at", false), created));
      }
    }
  }

  /** An upstream path: absolute, or relative to AstrBot's working directory (the data dir's parent) or the data dir. */
  private Path locate(String path) {
    Path p = Path.of(path);
    List<Path> tries = p.isAbsolute() ? List.of(p)
        : List.of(dir.toAbsolutePath().getParent().resolve(p), dir.resolve(p), dir.resolve("attachments").resolve(p.getFileName()));
    for (Path t : tries) {
      if (Files.isRegularFile(t)) {
        return t;
      }
    }
    return null;
  }

  private static void copyAttachment(Connection pg, Row row, String id, Path file, String type, String mime,
                                     OffsetDateTime created, OffsetDateTime updated) throws SQLException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (PreparedStatement meta = pg.prepareStatement("INSERT INTO attachments (attachment_id, path, type, mime_type,"
        + " size_bytes, chunk_count, sha256, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0, '', ?, ?)")) {
      meta.setString(1, id);
      meta.setString(2, file.getFileName().toString());
      meta.setString(3, type == null ? "file" : type);
      meta.setString(4, mime == null ? "application/octet-stream" : mime);
      meta.setObject(5, created);
      meta.setObject(6, updated);
      meta.executeUpdate();
    }
    long size = 0;
    int seq = 0;
    try (InputStream in = Files.newInputStream(file);
         PreparedStatement chunk = pg.prepareStatement("INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)")) {
      byte[] buf;
      while ((buf = in.readNBytes(AttachmentRepository.CHUNK_BYTES)).length > 0) {
        digest.update(buf);
        chunk.setString(1, id);
        chunk.setInt(2, seq++);
        chunk.setBytes(3, buf);
        chunk.executeUpdate();
        size += buf.length;
      }
    } catch (IOException e) {
      throw row.error("cannot read " + file + ": " + e.getMessage(), e);
    }
    try (PreparedStatement done = pg.prepareStatement("UPDATE attachments SET size_bytes = ?, chunk_count = ?, sha256 = ?"
        + " WHERE attachment_id = ?")) {
      done.setLong(1, size);
      done.setInt(2, seq);
      done.setString(3, HexFormat.of().formatHex(digest.digest()));
      done.setString(4, id);
      done.executeUpdate();
    }
  }
}
