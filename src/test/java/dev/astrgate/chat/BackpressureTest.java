package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.TestNode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client that stops reading stops the upstream too: the gateway buffers a bounded amount, then resumes. */
@ExtendWith(VertxExtension.class)
class BackpressureTest {

  @Test
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void slowClientPausesTheUpstream(Vertx vertx) throws Exception {
    FakeOpenAi openai = TestNode.await(FakeOpenAi.start(vertx));
    String chunk = "x".repeat(2000);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      tokens.add(chunk);
    }
    openai.script(FakeReply.tokens(tokens));
    TestNode node = TestNode.start(Map.of(), ChatStreamTest.conf(openai.baseUrl(), openai.baseUrl(), -1));
    try {
      String key = node.createKey();
      Promise<HttpClientResponse> headers = Promise.promise();
      long[] received = {0};
      Promise<Void> ended = Promise.promise();
      vertx.createHttpClient().request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(node.port())
              .setURI("/api/v1/chat").putHeader("X-API-Key", key).putHeader("Content-Type", "application/json"))
          .compose(req -> req.send(new JsonObject().put("username", "slow").put("message", "go").toBuffer()))
          .onSuccess(resp -> {
            resp.pause();
            resp.handler(b -> received[0] += b.length());
            resp.endHandler(v -> ended.complete());
            headers.complete(resp);
          });
      HttpClientResponse resp = TestNode.await(headers.future());
      long total = 20_000L * 2000;
      // Socket buffers grow for a while (TCP autotuning); wait until the upstream stops being read.
      long offeredWhilePaused = -1;
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        TestNode.await(vertx.timer(1000));
        long now = openai.streamedBytes();
        if (now == offeredWhilePaused) {
          break;
        }
        offeredWhilePaused = now;
      }
      TestNode.await(vertx.timer(1000));
      assertEquals(offeredWhilePaused, openai.streamedBytes(), "the upstream stays paused while the client does not read");
      // Kernel socket buffers on both hops absorb a few MB; everything else waits upstream.
      assertTrue(offeredWhilePaused < total / 2, "only socket buffers fill up: " + offeredWhilePaused + " of " + total);
      resp.resume();
      TestNode.await(ended.future());
      assertTrue(received[0] > total, "every token reached the client after resuming: " + received[0]);
    } finally {
      node.close();
      openai.close();
    }
  }
}
