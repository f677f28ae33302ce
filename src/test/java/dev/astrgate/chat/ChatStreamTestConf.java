package dev.astrgate.chat;

import io.vertx.core.json.JsonObject;

/** A default config whose only provider is an OpenAI-compatible fake, for tests outside this package. */
public final class ChatStreamTestConf {
  private ChatStreamTestConf() {
  }

  public static JsonObject conf(String openAiBaseUrl) {
    return ChatStreamTest.conf(openAiBaseUrl, openAiBaseUrl, -1);
  }
}
