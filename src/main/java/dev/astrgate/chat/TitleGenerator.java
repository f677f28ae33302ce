package dev.astrgate.chat;

import dev.astrgate.provider.ChatProvider;
import dev.astrgate.provider.ProviderListener;
import dev.astrgate.provider.ProviderRequest;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Part A.11: one extra LLM call titles an untitled webchat session, in the background. */
final class TitleGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(TitleGenerator.class);
  private static final String PROMPT = "Write a short title (at most 10 words) for a conversation that starts with the"
      + " message below. Answer with the title only, or <None> if no title fits.\n\nMessage:\n";

  private TitleGenerator() {
  }

  static void generate(StoreClient store, ChatProvider provider, String sessionId, String firstMessage) {
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "user").put("content", PROMPT + firstMessage));
    provider.call(new ProviderRequest(provider.model(), messages, false), ProviderListener.NONE).result()
        .compose(result -> {
          String title = result.text() == null ? "" : result.text().strip().replaceAll("^[\"']|[\"']$", "");
          if (title.isEmpty() || title.contains("<None>")) {
            return io.vertx.core.Future.succeededFuture();
          }
          return store.chat(new ChatOps.SetTitle(sessionId, title.length() > 255 ? title.substring(0, 255) : title));
        })
        .onFailure(err -> LOG.debug("title generation failed session={} reason={}", sessionId, err.toString()));
  }
}
