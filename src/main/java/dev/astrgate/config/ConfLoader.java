package dev.astrgate.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads {@code conf/*.json}: parses strictly, expands environment references in string values,
 * and checks the shape of the keys the gateway reads, so a broken file fails with file, path and reason.
 */
public final class ConfLoader {
  public static final String DEFAULT_FILE = "default.json";
  /** The repo's conf/default.json, packed into the jar by the build: what a node runs on when no conf/ exists. */
  public static final String BUILT_IN_RESOURCE = "astrgate/default.json";
  /** The path /configs shows for the built-in default. */
  public static final String BUILT_IN_PATH = "(built into the jar)";

  private final JsonFactory factory = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .build();
  private final Interpolator interpolator;

  public ConfLoader(Map<String, String> env) {
    this.interpolator = new Interpolator(env);
  }

  /** Loads every config in the directory: extras sorted by id, then the default last (as upstream lists them). */
  public ConfSet load(Path confDir) {
    Path defaultPath = confDir.resolve(DEFAULT_FILE);
    if (!Files.isRegularFile(defaultPath)) {
      throw new ConfException(defaultPath.toString(), "", "file not found (set ASTRGATE_CONF_DIR or create it)");
    }
    List<ConfFile> extras = new ArrayList<>();
    try (Stream<Path> files = Files.list(confDir)) {
      for (Path p : files.sorted().toList()) {
        String fileName = p.getFileName().toString();
        if (!fileName.endsWith(".json") || fileName.equals(DEFAULT_FILE) || !Files.isRegularFile(p)) {
          continue;
        }
        String stem = fileName.substring(0, fileName.length() - ".json".length());
        JsonObject json = readFile(p);
        String name = json.getValue("name") instanceof String s && !s.isBlank() ? s : stem;
        extras.add(new ConfFile(stem, name, fileName, false, json));
      }
    } catch (IOException e) {
      throw new ConfException(confDir.toString(), "", "cannot list directory: " + e.getMessage());
    }
    JsonObject defaults = readFile(defaultPath);
    ConfFile def = new ConfFile("default", "default", defaultPath.toAbsolutePath().normalize().toString(), true, defaults);
    return new ConfSet(def, extras);
  }

  /**
   * The node's configs: from {@code confDir} when it exists or was named ({@code confDirNamed}: ASTRGATE_CONF_DIR or
   * --conf-dir, which always win), else the default built into the jar.
   */
  public ConfSet load(Path confDir, boolean confDirNamed) {
    if (confDirNamed || Files.exists(confDir)) {
      return load(confDir);
    }
    JsonObject json = parse(BUILT_IN_PATH, builtInBytes());
    return new ConfSet(new ConfFile("default", "default", BUILT_IN_PATH, true, json), List.of());
  }

  /** The built-in default's bytes, exactly as shipped (its ${VAR} references not yet expanded). */
  public static byte[] builtInBytes() {
    try (var in = ConfLoader.class.getClassLoader().getResourceAsStream(BUILT_IN_RESOURCE)) {
      if (in == null) {
        throw new ConfException(BUILT_IN_RESOURCE, "", "missing from the jar (build it with mvn package)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ConfException(BUILT_IN_RESOURCE, "", "cannot read: " + e.getMessage());
    }
  }

  /** Parses, expands and checks one file. */
  public JsonObject readFile(Path file) {
    String name = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfException(name, "", "cannot read: " + e.getMessage());
    }
    return parse(name, bytes);
  }

  private JsonObject parse(String name, byte[] bytes) {
    Object root;
    try (JsonParser parser = factory.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new ConfException(name, "", "the top level must be a JSON object");
      }
      root = readValue(parser, name);
      if (parser.nextToken() != null) {
        throw new ConfException(name, "", "unexpected content after the top-level object");
      }
    } catch (JsonParseException e) {
      String path = toJsonPath(e.getProcessor() != null ? e.getProcessor().getParsingContext().pathAsPointer().toString() : "");
      throw new ConfException(name, path, e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr());
    } catch (IOException e) {
      throw new ConfException(name, "", e.getMessage());
    }
    JsonObject json = (JsonObject) root;
    ConfShape.check(name, json);
    return json;
  }

  private Object readValue(JsonParser p, String file) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT -> {
        JsonObject obj = new JsonObject();
        while (p.nextToken() != JsonToken.END_OBJECT) {
          String field = p.currentName();
          p.nextToken();
          obj.put(field, readValue(p, file));
        }
        return obj;
      }
      case START_ARRAY -> {
        JsonArray arr = new JsonArray();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          arr.add(readValue(p, file));
        }
        return arr;
      }
      case VALUE_STRING -> {
        try {
          return interpolator.expand(p.getText());
        } catch (IllegalArgumentException e) {
          throw new ConfException(file, toJsonPath(p.getParsingContext().pathAsPointer().toString()), e.getMessage());
        }
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return true;
      }
      case VALUE_FALSE -> {
        return false;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new ConfException(file, toJsonPath(p.getParsingContext().pathAsPointer().toString()),
          "unexpected token " + p.currentToken());
    }
  }

  /** Turns a JSON pointer such as {@code /platform/0/id} into {@code $.platform[0].id}. */
  static String toJsonPath(String pointer) {
    StringBuilder sb = new StringBuilder("$");
    if (pointer == null || pointer.isEmpty()) {
      return sb.toString();
    }
    for (String part : pointer.substring(1).split("/", -1)) {
      String unescaped = part.replace("~1", "/").replace("~0", "~");
      if (!unescaped.isEmpty() && unescaped.chars().allMatch(Character::isDigit)) {
        sb.append('[').append(unescaped).append(']');
      } else {
        sb.append('.').append(unescaped);
      }
    }
    return sb.toString();
  }
}
