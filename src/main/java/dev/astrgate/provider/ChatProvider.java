package dev.astrgate.provider;

/** One configured chat model behind an upstream API. */
public interface ChatProvider {
  String id();

  /** The configured model, used when a request names none. */
  String model();

  /** Starts a call at once; deltas go to {@code listener} on the caller's context. */
  ProviderCall call(ProviderRequest request, ProviderListener listener);
}
