package dev.astrgate.platform;

import java.util.List;

/**
 * Which inbound messages reach the chat pipeline: private messages always; group messages only when the bot is
 * @-mentioned or the text starts with a wake prefix. The prefix is removed from the text handed on, as upstream.
 */
public record WakeRule(List<String> prefixes) {

  /** The verdict for one message and the text the pipeline sees. */
  public record Verdict(boolean wake, String text) {
  }

  public Verdict check(boolean group, boolean mentioned, String text) {
    String t = text == null ? "" : text.strip();
    for (String p : prefixes) {
      if (t.startsWith(p)) {
        return new Verdict(true, t.substring(p.length()).strip());
      }
    }
    return new Verdict(!group || mentioned, t);
  }
}
