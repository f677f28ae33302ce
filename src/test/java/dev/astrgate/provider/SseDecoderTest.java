package dev.astrgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte-level SSE parser: any split point, CRLF, comments, names, multi-line data, pausing, the tail. */
class SseDecoderTest {
  private static final String STREAM = ": keep-alive comment\n"
      + "data: {\"t\":\"你好\"}\n\n"
      + "event: content_block_delta\r\n"
      + "data: {\"t\":\"🎉 emoji\"}\r\n\r\n"
      + "data:no-space\n"
      + "data: second line\n"
      + "id: 7\n\n"
      + "\n\n"
      + "data: [DONE]\n\n";

  private static final List<String> EXPECTED = List.of(
      "message|{\"t\":\"你好\"}",
      "content_block_delta|{\"t\":\"🎉 emoji\"}",
      "message|no-space\nsecond line",
      "message|[DONE]");

  private static List<String> decode(List<byte[]> pieces) {
    SseDecoder d = new SseDecoder();
    List<String> out = new ArrayList<>();
    for (byte[] p : pieces) {
      d.feed(Buffer.buffer(p));
      assertTrue(d.drain(() -> false, (name, data) -> out.add(name + "|" + data)));
    }
    d.finish((name, data) -> out.add(name + "|" + data));
    return out;
  }

  @Test
  void wholeStreamDecodes() {
    assertEquals(EXPECTED, decode(List.of(STREAM.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void everyTwoWaySplitDecodesTheSame() {
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < all.length; cut++) {
      byte[] a = java.util.Arrays.copyOfRange(all, 0, cut);
      byte[] b = java.util.Arrays.copyOfRange(all, cut, all.length);
      assertEquals(EXPECTED, decode(List.of(a, b)), "split at byte " + cut);
    }
  }

  @Test
  void byteByByteDecodesTheSame() {
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    List<byte[]> pieces = new ArrayList<>();
    for (byte b : all) {
      pieces.add(new byte[] {b});
    }
    assertEquals(EXPECTED, decode(pieces));
  }

  @Test
  void aStopConditionHoldsTheRestUntilTheNextDrain() {
    SseDecoder d = new SseDecoder();
    List<String> out = new ArrayList<>();
    d.feed(Buffer.buffer(STREAM));
    assertFalse(d.drain(() -> out.size() >= 1, (n, data) -> out.add(data)));
    assertEquals(1, out.size());
    assertTrue(d.hasPending());
    assertTrue(d.drain(() -> false, (n, data) -> out.add(data)));
    assertEquals(4, out.size());
    assertFalse(d.hasPending());
  }

  @Test
  void finishDispatchesAnEventWithoutItsBlankLineOrLf() {
    SseDecoder d = new SseDecoder();
    List<String> out = new ArrayList<>();
    d.feed(Buffer.buffer("data: a\n\ndata: b"));
    d.drain(() -> false, (n, data) -> out.add(data));
    assertEquals(List.of("a"), out);
    d.finish((n, data) -> out.add(data));
    assertEquals(List.of("a", "b"), out);
  }

  @Test
  void anEndlessLineIsMalformed() {
    SseDecoder d = new SseDecoder();
    d.feed(Buffer.buffer(new byte[SseDecoder.MAX_LINE + 1]));
    ProviderException e = assertThrows(ProviderException.class, () -> d.drain(() -> false, (n, data) -> { }));
    assertEquals(ProviderException.Kind.MALFORMED, e.kind());
  }
}
