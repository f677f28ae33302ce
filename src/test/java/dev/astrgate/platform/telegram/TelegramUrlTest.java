package dev.astrgate.platform.telegram;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** telegram_api_base_url / telegram_file_base_url as upstream means them, and host-only URLs as before. */
class TelegramUrlTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "https://api.telegram.org/bot|null|https://api.telegram.org/botT/getMe|https://api.telegram.org/file/botT/p/1.jpg",
      "https://api.telegram.org/bot/|https://api.telegram.org/file/bot|https://api.telegram.org/botT/getMe|https://api.telegram.org/file/botT/p/1.jpg",
      "https://api.telegram.org|null|https://api.telegram.org/botT/getMe|https://api.telegram.org/file/botT/p/1.jpg",
      "http://127.0.0.1:8081/|http://127.0.0.1:8081|http://127.0.0.1:8081/botT/getMe|http://127.0.0.1:8081/file/botT/p/1.jpg",
      "https://tg.example/proxy/bot|https://files.example/file/bot|https://tg.example/proxy/botT/getMe|https://files.example/file/botT/p/1.jpg",
      "null|null|https://api.telegram.org/botT/getMe|https://api.telegram.org/file/botT/p/1.jpg"})
  void urls(String api, String file, String methodUrl, String fileUrl) {
    TelegramApi t = new TelegramApi(null, api, file, "T");
    assertEquals(methodUrl, t.methodUrl("getMe"));
    assertEquals(fileUrl, t.fileUrl("p/1.jpg"));
  }
}
