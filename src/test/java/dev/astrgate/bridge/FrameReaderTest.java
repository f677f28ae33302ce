package dev.astrgate.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame splitter on its own: frames split across chunks, several per chunk, oversized ones skipped in step. */
class FrameReaderTest {
  private final List<String> frames = new ArrayList<>();
  private final List<Long> oversized = new ArrayList<>();
  private final FrameReader reader = new FrameReader(16, new FrameReader.Sink() {
    @Override
    public void frame(Buffer payload) {
      frames.add(payload.toString());
    }

    @Override
    public void oversized(long length) {
      oversized.add(length);
    }
  });

  private static Buffer frame(String s) {
    return Buffer.buffer().appendInt(s.length()).appendString(s);
  }

  @Test
  void framesArriveWhateverTheChunking() {
    Buffer all = frame("one").appendBuffer(frame("")).appendBuffer(frame("sixteen-bytes-ok"));
    for (int i = 0; i < all.length(); i++) {
      reader.feed(all.getBuffer(i, i + 1));
    }
    reader.feed(frame("a").appendBuffer(frame("b")));
    assertEquals(List.of("one", "", "sixteen-bytes-ok", "a", "b"), frames);
    assertEquals(0, reader.buffered());
  }

  @Test
  void anOversizedFrameIsSkippedAsItArrivesAndTheStreamStaysInStep() {
    Buffer big = Buffer.buffer().appendInt(40).appendBytes(new byte[40]);
    reader.feed(big.getBuffer(0, 10));
    assertEquals(List.of(40L), oversized);
    assertEquals(0, reader.buffered());
    reader.feed(big.getBuffer(10, 44).appendBuffer(frame("after")));
    // A length that no int holds (as unsigned) is oversized too.
    reader.feed(Buffer.buffer().appendUnsignedInt(0xFFFFFFF0L));
    assertEquals(List.of("after"), frames);
    assertEquals(List.of(40L, 0xFFFFFFF0L), oversized);
  }
}
