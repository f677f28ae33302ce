package dev.astrgate.platform.satori;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.astrgate.store.AttachmentRepository.Attachment;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The element codec in process: escaping, every modelled element both ways, and markup that is not well formed. */
class SatoriElementsTest {
  private static JsonObject plain(String t) {
    return new JsonObject().put("type", "plain").put("text", t);
  }

  @Test
  void textIsEscapedAndUnescaped() {
    String text = "a < b && c > \"d\" 'e'";
    String encoded = SatoriElements.encode(new JsonArray().add(plain(text)), Map.of());
    assertEquals("a &lt; b &amp;&amp; c &gt; \"d\" 'e'", encoded);
    assertEquals(new JsonArray().add(plain(text)), SatoriElements.decode(encoded));
    // Numeric references, &quot; and &apos; as a server may send them; unknown entities stay as written.
    assertEquals(new JsonArray().add(plain("'x' \"y\" \u00e9 😀 &nbsp; & ;")),
        SatoriElements.decode("&#39;x&#x27; &quot;y&quot; &#233; &#x1F600; &nbsp; & ;"));
  }

  @Test
  void everyModelledElementRoundTrips() {
    JsonArray parts = new JsonArray()
        .add(new JsonObject().put("type", "reply").put("message_id", "m-1").put("selected_text", ""))
        .add(new JsonObject().put("type", "at").put("user_id", "42").put("name", "Al <ice>"))
        .add(plain(" hi & bye "))
        .add(new JsonObject().put("type", "at").put("user_id", "all"))
        .add(new JsonObject().put("type", "image").put("url", "https://x.test/a.png?x=1&y=\"2\""))
        .add(new JsonObject().put("type", "record").put("url", "https://x.test/a.ogg"))
        .add(new JsonObject().put("type", "video").put("url", "https://x.test/a.mp4"))
        .add(new JsonObject().put("type", "file").put("url", "https://x.test/r.pdf").put("name", "report \"Q3\".pdf"))
        .add(plain("end"));
    String content = SatoriElements.encode(parts, Map.of());
    assertEquals("<quote id=\"m-1\"/><at id=\"42\" name=\"Al &lt;ice&gt;\"/> hi &amp; bye <at type=\"all\"/>"
        + "<img src=\"https://x.test/a.png?x=1&amp;y=&quot;2&quot;\"/><audio src=\"https://x.test/a.ogg\"/>"
        + "<video src=\"https://x.test/a.mp4\"/><file src=\"https://x.test/r.pdf\" title=\"report &quot;Q3&quot;.pdf\"/>end",
        content);
    assertEquals(parts, SatoriElements.decode(content));
  }

  @Test
  void storedAttachmentsTravelAsDataUrls() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
    Attachment meta = new Attachment("att-1", "a.png", "image", "image/png", png.length, 1, "x");
    String content = SatoriElements.encode(new JsonArray()
            .add(new JsonObject().put("type", "image").put("attachment_id", "att-1").put("filename", "a.png")),
        Map.of("att-1", new AttachmentBytes(meta, Buffer.buffer(png))));
    assertEquals("<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\" title=\"a.png\"/>",
        content);
  }

  @Test
  void quoteChildrenAreTheQuotedTextNotContent() {
    JsonArray parts = SatoriElements.decode(
        "<quote id=\"99\"><author id=\"7\" name=\"bob\"/>earlier <b>words</b></quote>and now");
    assertEquals(new JsonArray()
        .add(new JsonObject().put("type", "reply").put("message_id", "99").put("selected_text", "earlier words"))
        .add(plain("and now")), parts);
  }

  @Test
  void layoutDecorationAndUnknownElementsKeepTheirText() {
    assertEquals(new JsonArray().add(plain("bold and link\nline\npara\n#general")),
        SatoriElements.decode("<b>bold</b> and <a href=\"https://x\">link</a><br/>line<p>para</p>"
            + "<sharp id=\"1\" name=\"general\"/><!-- hidden --><button id=\"b\">press</button>"));
    assertEquals(new JsonArray().add(plain("x")).add(new JsonObject().put("type", "at").put("user_id", "5"))
            .add(plain("y")),
        SatoriElements.decode("<custom:thing k=v>x<at id='5'/>y</custom:thing>"));
  }

  @Test
  void malformedMarkupReadsAsText() {
    assertEquals(new JsonArray().add(plain("1 < 2 and </b> and <b>open")), SatoriElements.decode("1 < 2 and </b> and <b>open"));
    assertEquals(new JsonArray().add(plain("<img src=\"unterminated")), SatoriElements.decode("<img src=\"unterminated"));
    assertEquals(new JsonArray().add(plain("<b>x")).add(new JsonObject().put("type", "at").put("user_id", "1")),
        SatoriElements.decode("<b>x<at id=\"1\"/>"));
    // A medium with no src is dropped, not sent on as an empty part.
    assertEquals(new JsonArray().add(plain("a")), SatoriElements.decode("<img/>a"));
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      deep.append("<b>");
    }
    deep.append("x");
    for (int i = 0; i < 10_000; i++) {
      deep.append("</b>");
    }
    // Nesting is bounded (no stack overflow on hostile input); what lies deeper than the bound is dropped.
    assertEquals(new JsonArray(), SatoriElements.decode(deep.toString()));
    assertEquals("", SatoriElements.encode(new JsonArray().add(new JsonObject().put("type", "image")), Map.of()));
  }
}
