package dev.astrgate.provider;

import io.vertx.core.json.JsonArray;

/**
 * A chat message list in OpenAI format; content is a String or a JsonArray of parts
 * ({"type":"text","text":..} / {"type":"image_url","image_url":{"url":"data:image/png;base64,..."}}).
 * A null or blank {@code model} means the provider's configured model.
 */
public record ProviderRequest(String model, JsonArray messages, boolean stream) {
}
