package dev.astrgate.platform.telegram;

import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.platform.PlatformAdapter;
import dev.astrgate.platform.PlatformConfig;
import dev.astrgate.platform.PlatformEnv;
import dev.astrgate.platform.SendRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code telegram} platform: Bot API long polling by one node of the cluster ({@link TelegramPoller}), updates
 * and sends translated by {@link TelegramCodec}, answers from the chat pipeline sent back in the same chat.
 */
public final class TelegramAdapter implements PlatformAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(TelegramAdapter.class);
  public static final String TYPE = "telegram";

  private final PlatformEnv env;
  private final String platformId;
  private final String token;
  private final ChatBridge chat;
  private final WebClient client;
  private final TelegramCodec codec;
  private final TelegramPoller poller;
  private volatile TelegramCodec.Bot bot = TelegramCodec.Bot.UNKNOWN;

  public TelegramAdapter(PlatformEnv env) {
    JsonObject entry = env.entry();
    this.env = env;
    this.platformId = env.platformId();
    this.token = PlatformConfig.string(entry, "telegram_token", "");
    this.chat = env.chat();
    this.client = WebClient.create(env.vertx(), new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
        .setUserAgent("astrgate"));
    TelegramApi api = new TelegramApi(client,
        PlatformConfig.string(entry, "telegram_api_base_url", TelegramApi.DEFAULT_API_BASE),
        PlatformConfig.string(entry, "telegram_file_base_url", ""), token);
    this.codec = new TelegramCodec(platformId, env.wake(), api, env.store(),
        PlatformConfig.number(entry, "attachment_max_bytes", Attachments.DEFAULT_MAX_BYTES));
    this.poller = new TelegramPoller(env.vertx(), platformId, api, env.store(), env.routing(),
        PlatformConfig.number(entry, "telegram_polling_timeout", 30), this::handle, codec::deliver, this::identify);
  }

  @Override
  public Future<Void> start() {
    if (token.isEmpty()) {
      LOG.warn("platform not started id={} type={} reason=telegram_token_missing", platformId, TYPE);
      return Future.succeededFuture();
    }
    LOG.info("platform started id={} type={} node={}", platformId, TYPE, env.cluster().nodeName());
    poller.start();
    return Future.succeededFuture();
  }

  /** getMe gives the bot's id and username for @-mention checks in groups; polling goes on without them. */
  private void identify(long gen) {
    codec.identify().onSuccess(b -> {
      if (poller.current(gen)) {
        bot = b;
      }
    }).onFailure(err -> LOG.warn("telegram getMe failed id={} reason={}", platformId, err.getMessage()));
  }

  private Future<Void> handle(JsonObject update) {
    InboundMessage in = codec.inbound(update, bot);
    if (in == null) {
      return Future.succeededFuture();
    }
    return chat.ask(in).compose(parts -> parts.isEmpty() ? Future.succeededFuture()
        : codec.deliver(in.reply(parts)).mapEmpty());
  }

  @Override
  public Future<SendRequest.Result> deliver(SendRequest send) {
    return codec.deliver(send);
  }

  @Override
  public String state() {
    return poller.leading() ? "polling" : "standby";
  }

  @Override
  public Future<Void> stop() {
    // Close the client first: an in-flight long poll must end before the lock lets another node poll.
    client.close();
    poller.stop();
    return Future.succeededFuture();
  }
}
