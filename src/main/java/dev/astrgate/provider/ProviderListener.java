package dev.astrgate.provider;

/** Receives streamed deltas on the caller's context, each the moment it is parsed. */
public interface ProviderListener {
  ProviderListener NONE = new ProviderListener() {
    @Override
    public void onText(String delta) {
    }

    @Override
    public void onReasoning(String delta) {
    }
  };

  void onText(String delta);

  void onReasoning(String delta);
}
