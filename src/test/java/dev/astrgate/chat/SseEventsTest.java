package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-delta frame written without a JSON tree is byte for byte the frame of the event it stands for. */
class SseEventsTest {

  @Test
  void plainFrameIsTheFrameOfPlain() {
    List<String> texts = List.of("", "ok", "Hello, 世界! \"quoted\" and\na new line 🎉", "tab\tback\\slash\r\b\f",
        "\u0001\u001f control", "</script> & <b>", "\u2028\u2029");
    for (String text : texts) {
      for (String chain : new String[] {null, "reasoning"}) {
        for (boolean streaming : new boolean[] {true, false}) {
          assertEquals(SseEvents.frame(SseEvents.plain(text, streaming, chain, "m-1")),
              SseEvents.plainFrame(text, streaming, chain, "m-1"), text);
        }
      }
    }
    assertEquals(SseEvents.frame(SseEvents.plain("x", true, null, null)), SseEvents.plainFrame("x", true, null, null));
  }
}
