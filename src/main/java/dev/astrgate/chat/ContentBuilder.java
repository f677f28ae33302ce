package dev.astrgate.chat;

import dev.astrgate.message.MessageParts;
import dev.astrgate.store.AttachmentRepository.Attachment;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns stored message parts into provider content: images inline as data URLs, text-like files inlined with
 * their name, other media named in text. Also gives the text-only form kept in the LLM context.
 */
final class ContentBuilder {
  static final long MAX_IMAGE_BYTES = 20L * 1024 * 1024;
  static final long MAX_TEXT_FILE_BYTES = 256L * 1024;
  private static final Set<String> TEXT_EXTENSIONS = Set.of("txt", "md", "markdown", "csv", "tsv", "json", "xml", "yaml",
      "yml", "log", "ini", "toml", "py", "java", "js", "ts", "go", "rs", "c", "h", "cpp", "sh", "sql", "html", "css");

  private final StoreClient store;

  ContentBuilder(StoreClient store) {
    this.store = store;
  }

  /** Provider content for the user message: a string, or a list of text and image_url parts when media are present. */
  Future<Object> userContent(JsonArray parts) {
    List<String> ids = new ArrayList<>();
    for (Object o : parts) {
      JsonObject p = (JsonObject) o;
      if (p.containsKey("attachment_id")) {
        ids.add(p.getString("attachment_id"));
      }
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(textOnly(parts));
    }
    return store.chat(new ChatOps.AttachmentsMeta(ids)).compose(metas -> {
      Map<String, Attachment> byId = new HashMap<>();
      metas.forEach(a -> byId.put(a.attachmentId(), a));
      List<Future<JsonObject>> built = new ArrayList<>();
      for (Object o : parts) {
        built.add(partContent((JsonObject) o, byId));
      }
      return Future.all(built).map(v -> {
        JsonArray content = new JsonArray();
        for (Future<JsonObject> f : built) {
          if (f.result() != null) {
            content.add(f.result());
          }
        }
        return content;
      });
    });
  }

  private Future<JsonObject> partContent(JsonObject p, Map<String, Attachment> byId) {
    String type = p.getString("type");
    if (type.equals("plain")) {
      return Future.succeededFuture(text(p.getString("text")));
    }
    if (type.equals("reply")) {
      return Future.succeededFuture(text(MessageParts.replyText(p)));
    }
    Attachment a = byId.get(p.getString("attachment_id"));
    if (a == null) {
      return Future.succeededFuture(null);
    }
    JsonObject label = text(MessageParts.mediaLabel(type, a.filename()));
    if (type.equals("image") && a.sizeBytes() <= MAX_IMAGE_BYTES) {
      return bytes(a, MAX_IMAGE_BYTES).map(bytes -> bytes == null ? label : new JsonObject()
          .put("type", "image_url")
          .put("image_url", new JsonObject().put("url", "data:" + a.mimeType() + ";base64,"
              + Base64.getEncoder().encodeToString(bytes.getBytes()))));
    }
    if (type.equals("file") && isTextLike(a) && a.sizeBytes() <= MAX_TEXT_FILE_BYTES) {
      return bytes(a, MAX_TEXT_FILE_BYTES).map(bytes -> bytes == null ? label
          : text("[File: " + a.filename() + "]\n" + bytes.toString(StandardCharsets.UTF_8)));
    }
    return Future.succeededFuture(label);
  }

  /** The attachment's bytes, or null when it vanished or outgrew the cap. */
  private Future<Buffer> bytes(Attachment a, long cap) {
    return store.readAttachment(a.attachmentId(), cap).map(found -> found.map(AttachmentBytes::data).orElse(null));
  }

  /** The text kept in the LLM context for later turns (the one part model's context form). */
  static String textOnly(JsonArray parts) {
    return MessageParts.contextText(parts);
  }

  private static boolean isTextLike(Attachment a) {
    String mime = a.mimeType().toLowerCase(Locale.ROOT);
    if (mime.startsWith("text/") || mime.contains("json") || mime.contains("xml") || mime.contains("yaml")) {
      return true;
    }
    int dot = a.filename().lastIndexOf('.');
    return dot >= 0 && TEXT_EXTENSIONS.contains(a.filename().substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static JsonObject text(String t) {
    return new JsonObject().put("type", "text").put("text", t);
  }

  /** Keeps the last {@code max} rounds, dropping {@code dequeue} rounds at a time from the front, as upstream. */
  static JsonArray trim(JsonArray messages, int max, int dequeue) {
    if (max < 0) {
      return messages;
    }
    List<Object> list = new ArrayList<>(messages.getList());
    while (list.size() / 2 > max && !list.isEmpty()) {
      int drop = Math.min(list.size(), dequeue * 2);
      list = new ArrayList<>(list.subList(drop, list.size()));
    }
    return new JsonArray(list);
  }
}
