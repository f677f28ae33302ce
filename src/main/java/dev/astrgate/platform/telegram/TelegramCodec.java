package dev.astrgate.platform.telegram;

import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.py.PyText;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/** Telegram updates to {@link InboundMessage}, and {@link SendRequest} to Bot API calls. */
final class TelegramCodec {
  private static final long CALL_TIMEOUT_MS = 30_000;
  private static final int TEXT_LIMIT = 4096;

  private final String platformId;
  private final WakeRule wake;
  private final TelegramApi api;
  private final StoreClient store;
  private final long attachmentMaxBytes;

  TelegramCodec(String platformId, WakeRule wake, TelegramApi api, StoreClient store, long attachmentMaxBytes) {
    this.platformId = platformId;
    this.wake = wake;
    this.api = api;
    this.store = store;
    this.attachmentMaxBytes = attachmentMaxBytes;
  }

  /** The bot as getMe named it; mentions and replies to the bot wake it in groups. */
  record Bot(long id, String username) {
    static final Bot UNKNOWN = new Bot(0, null);
  }

  Future<Bot> identify() {
    return api.call("getMe", new JsonObject(), CALL_TIMEOUT_MS).map(me -> me instanceof JsonObject m
        ? new Bot(m.getLong("id", 0L), m.getValue("username") instanceof String u ? u : null) : Bot.UNKNOWN);
  }

  /** The inbound message of an update, or null when there is nothing for the pipeline (no message, no wake). */
  InboundMessage inbound(JsonObject update, Bot bot) {
    JsonObject msg = update.getValue("message") instanceof JsonObject m ? m : null;
    if (msg == null || !(msg.getValue("chat") instanceof JsonObject chatObj)) {
      return null;
    }
    boolean group = !"private".equals(chatObj.getValue("type"));
    String text = msg.getValue("text") instanceof String t ? t : msg.getValue("caption") instanceof String c ? c : "";
    boolean mentioned = false;
    if (bot.username() != null) {
      String at = "@" + bot.username();
      if (text.toLowerCase().contains(at.toLowerCase())) {
        mentioned = true;
        text = text.replaceAll("(?i)" + Pattern.quote(at), "").strip();
      }
    }
    if (msg.getValue("reply_to_message") instanceof JsonObject r && r.getValue("from") instanceof JsonObject f
        && bot.id() != 0 && f.getLong("id", -1L) == bot.id()) {
      mentioned = true;
    }
    WakeRule.Verdict verdict = wake.check(group, mentioned, text);
    if (!verdict.wake()) {
      return null;
    }
    String sessionId = String.valueOf(chatObj.getValue("id"));
    if (Boolean.TRUE.equals(msg.getValue("is_topic_message")) && msg.getValue("message_thread_id") != null) {
      sessionId += "#" + msg.getValue("message_thread_id");
    }
    JsonObject from = msg.getValue("from") instanceof JsonObject f ? f : new JsonObject();
    InboundMessage in = InboundMessage.of(platformId, TelegramAdapter.TYPE, group ? Umo.GROUP : Umo.FRIEND, sessionId,
        PyText.str(msg.getValue("message_id")), bot.id() == 0 ? null : Long.toString(bot.id()),
        PyText.str(from.getValue("id")),
        from.getValue("username") instanceof String u ? u : PyText.str(from.getValue("first_name")),
        verdict.text(), msg.getValue("text") instanceof String t ? t : text, parts(msg, verdict.text()), mentioned,
        msg.getValue("date"));
    // The group id is the chat, without a topic; the event id is the update's.
    return new InboundMessage(in.platformId(), in.platformType(), in.umo(), in.messageType(), in.sessionId(),
        platformId + ":" + update.getValue("update_id"), in.messageId(), in.selfId(), in.senderId(),
        in.senderNickname(), group ? String.valueOf(chatObj.getValue("id")) : null, in.text(), in.rawText(),
        in.parts(), in.mentioned(), in.timestamp());
  }

  private static JsonArray parts(JsonObject msg, String text) {
    JsonArray parts = new JsonArray();
    if (!text.isEmpty()) {
      parts.add(new JsonObject().put("type", "plain").put("text", text));
    }
    if (msg.getValue("photo") instanceof JsonArray photos && !photos.isEmpty()
        && photos.getValue(photos.size() - 1) instanceof JsonObject largest) {
      parts.add(new JsonObject().put("type", "image").put("file_id", largest.getValue("file_id")));
    }
    media(msg, "voice", "record", parts);
    media(msg, "audio", "record", parts);
    media(msg, "video", "video", parts);
    media(msg, "document", "file", parts);
    return parts;
  }

  private static void media(JsonObject msg, String field, String type, JsonArray parts) {
    if (msg.getValue(field) instanceof JsonObject m) {
      JsonObject p = new JsonObject().put("type", type).put("file_id", m.getValue("file_id"));
      if (m.getValue("file_name") instanceof String name) {
        p.put("name", name);
      }
      parts.add(p);
    }
  }

  /** Text runs go out as sendMessage; each medium as sendPhoto/sendVoice/sendVideo/sendDocument, in part order. */
  Future<SendRequest.Result> deliver(SendRequest send) {
    String sessionId = send.sessionId();
    int hash = sessionId.indexOf('#');
    String chatId = hash < 0 ? sessionId : sessionId.substring(0, hash);
    String thread = hash < 0 ? null : sessionId.substring(hash + 1);
    JsonArray parts = send.parts();
    String replyTo = null;
    for (Object o : parts) {
      if (o instanceof JsonObject p && "reply".equals(p.getString("type")) && replyTo == null) {
        replyTo = PyText.str(p.getValue("message_id"));
      }
    }
    String reply = replyTo;
    return Attachments.load(store, parts, attachmentMaxBytes).compose(files -> {
      List<Supplier<Future<Object>>> calls = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (Object o : parts) {
        JsonObject p = (JsonObject) o;
        switch (p.getString("type", "")) {
          case "plain" -> text.append(p.getString("text", ""));
          case "at" -> text.append('@').append(PyText.str(p.getValue("user_id"))).append(' ');
          case "image", "record", "video", "file" -> {
            addText(calls, chatId, thread, reply, text);
            calls.add(() -> sendMedia(chatId, thread, reply, p, files));
          }
          default -> {
            // reply is a parameter of the messages; unknown parts are skipped
          }
        }
      }
      addText(calls, chatId, thread, reply, text);
      Future<Object> all = Future.succeededFuture();
      for (var call : calls) {
        all = all.compose(v -> call.get());
      }
      return all;
    }).map(last -> new SendRequest.Result(last instanceof JsonObject m ? m.getValue("message_id") : null));
  }

  private void addText(List<Supplier<Future<Object>>> calls, String chatId, String thread, String reply,
                       StringBuilder text) {
    String t = text.toString();
    text.setLength(0);
    for (int i = 0; i < t.length(); i += TEXT_LIMIT) {
      String chunk = t.substring(i, Math.min(t.length(), i + TEXT_LIMIT));
      if (chunk.isBlank()) {
        continue;
      }
      calls.add(() -> api.call("sendMessage", target(chatId, thread, reply).put("text", chunk), CALL_TIMEOUT_MS));
    }
  }

  private static JsonObject target(String chatId, String thread, String reply) {
    JsonObject params = new JsonObject().put("chat_id", chatId);
    if (thread != null) {
      params.put("message_thread_id", thread);
    }
    if (reply != null) {
      params.put("reply_parameters", new JsonObject().put("message_id", reply).put("allow_sending_without_reply", true));
    }
    return params;
  }

  private Future<Object> sendMedia(String chatId, String thread, String reply, JsonObject p,
                                   Map<String, AttachmentBytes> files) {
    String type = p.getString("type");
    String method = switch (type) {
      case "image" -> "sendPhoto";
      case "record" -> "sendVoice";
      case "video" -> "sendVideo";
      default -> "sendDocument";
    };
    String field = switch (type) {
      case "image" -> "photo";
      case "record" -> "voice";
      case "video" -> "video";
      default -> "document";
    };
    if (p.getValue("attachment_id") instanceof String id && files.containsKey(id)) {
      AttachmentBytes a = files.get(id);
      MultipartForm form = MultipartForm.create().attribute("chat_id", chatId);
      if (thread != null) {
        form.attribute("message_thread_id", thread);
      }
      if (reply != null) {
        form.attribute("reply_parameters", new JsonObject().put("message_id", reply)
            .put("allow_sending_without_reply", true).encode());
      }
      form.binaryFileUpload(field, a.meta().filename(), a.data(), a.meta().mimeType());
      return api.upload(method, form, CALL_TIMEOUT_MS);
    }
    Object ref = p.getValue("url") != null ? p.getValue("url") : p.getValue("file_id");
    if (ref == null) {
      return Future.failedFuture(new SendFailure(SendFailure.INVALID, type + " part has no attachment to send"));
    }
    return api.call(method, target(chatId, thread, reply).put(field, ref), CALL_TIMEOUT_MS);
  }
}
