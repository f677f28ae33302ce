package dev.astrgate.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Makes raw keys in upstream's format and hashes them for storage and lookup. */
public final class KeyMaterial {
  private static final SecureRandom RANDOM = new SecureRandom();
  public static final int PREFIX_LENGTH = 12;

  private KeyMaterial() {
  }

  /** {@code abk_} followed by 32 random bytes in unpadded base64url, like Python's token_urlsafe(32). */
  public static String newRawKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "abk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** SHA-256 hex: the keys carry 256 random bits, so a slow KDF would only cost time. */
  public static String hash(String rawKey) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(rawKey.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String prefix(String rawKey) {
    return rawKey.substring(0, Math.min(PREFIX_LENGTH, rawKey.length()));
  }
}
