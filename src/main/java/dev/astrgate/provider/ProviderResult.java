package dev.astrgate.provider;

/** The whole answer of a finished call; {@code reasoning} is empty when the model gave none. */
public record ProviderResult(String text, String reasoning, Usage usage, String finishReason) {
}
