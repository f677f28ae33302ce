package dev.astrgate.platform;

import dev.astrgate.message.MessageParts;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Loads the bytes of the attachments a send names, from this node's store, with a size cap per attachment. */
public final class Attachments {
  /** Platforms take media inline (OneBot base64, Telegram multipart); larger files are refused, not truncated. */
  public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;

  private Attachments() {
  }

  public static Future<Map<String, AttachmentBytes>> load(StoreClient store, JsonArray parts, long maxBytes) {
    List<String> ids = new ArrayList<>();
    for (Object o : parts) {
      if (o instanceof JsonObject p && MessageParts.MEDIA.contains(p.getString("type"))
          && p.getValue("attachment_id") instanceof String id && !ids.contains(id)) {
        ids.add(id);
      }
    }
    Map<String, AttachmentBytes> out = new HashMap<>();
    Future<Void> all = Future.succeededFuture();
    for (String id : ids) {
      all = all.compose(v -> store.readAttachment(id, maxBytes).compose(found -> {
        if (found.isEmpty()) {
          return Future.failedFuture(new SendFailure(SendFailure.INVALID, "attachment not found: " + id));
        }
        if (found.get().data() == null) {
          return Future.failedFuture(SendFailure.refused("attachment " + id + " is too large to send ("
              + found.get().meta().sizeBytes() + " bytes, limit " + maxBytes + ")"));
        }
        out.put(id, found.get());
        return Future.succeededFuture();
      }));
    }
    return all.map(out);
  }
}
