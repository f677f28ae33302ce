package dev.astrgate.provider;

/** Accumulates one call's answer and hands each delta to the listener as it is added. */
final class Answer {
  private final ProviderListener listener;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private long inputOther;
  private long inputCached;
  private long output;
  private String finishReason;

  Answer(ProviderListener listener) {
    this.listener = listener;
  }

  void text(String delta) {
    if (delta != null && !delta.isEmpty()) {
      text.append(delta);
      listener.onText(delta);
    }
  }

  void reasoning(String delta) {
    if (delta != null && !delta.isEmpty()) {
      reasoning.append(delta);
      listener.onReasoning(delta);
    }
  }

  void usage(long inputOther, long inputCached, long output) {
    this.inputOther = Math.max(0, inputOther);
    this.inputCached = Math.max(0, inputCached);
    this.output = Math.max(0, output);
  }

  void inputUsage(long inputOther, long inputCached) {
    this.inputOther = Math.max(0, inputOther);
    this.inputCached = Math.max(0, inputCached);
  }

  void outputUsage(long output) {
    this.output = Math.max(0, output);
  }

  void finish(String reason) {
    if (reason != null && !reason.isEmpty()) {
      finishReason = reason;
    }
  }

  /** True once the upstream said why it stopped (finish_reason / stop_reason). */
  boolean finished() {
    return finishReason != null;
  }

  String textSoFar() {
    return text.toString();
  }

  String reasoningSoFar() {
    return reasoning.toString();
  }

  ProviderResult result() {
    return new ProviderResult(text.toString(), reasoning.toString(), new Usage(inputOther, inputCached, output),
        finishReason);
  }
}
