package dev.astrgate.provider;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A listener that records every delta (and the thread order of text vs reasoning) for assertions. */
final class Collector implements ProviderListener {
  final List<String> text = new CopyOnWriteArrayList<>();
  final List<String> reasoning = new CopyOnWriteArrayList<>();
  /** "T:delta" / "R:delta" in arrival order. */
  final List<String> events = new CopyOnWriteArrayList<>();
  private final Consumer<Collector> afterText;

  Collector() {
    this(c -> {
    });
  }

  /** {@code afterText} runs after each text delta (on the call's context), e.g. to pause or cancel. */
  Collector(Consumer<Collector> afterText) {
    this.afterText = afterText;
  }

  @Override
  public void onText(String delta) {
    text.add(delta);
    events.add("T:" + delta);
    afterText.accept(this);
  }

  @Override
  public void onReasoning(String delta) {
    reasoning.add(delta);
    events.add("R:" + delta);
  }

  String joined() {
    return String.join("", text);
  }
}
