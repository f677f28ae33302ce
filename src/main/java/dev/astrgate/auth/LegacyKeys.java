package dev.astrgate.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.spec.InvalidKeySpecException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * AstrBot's key hash, for keys imported from an AstrBot database: PBKDF2-HMAC-SHA256 of the raw key, fixed salt
 * {@code astrbot_api_key}, 100,000 iterations, 32 bytes as hex. An imported row keeps it as
 * {@code key_hash = "pbkdf2:<hex>"} until the key's first use replaces it with astrgate's SHA-256.
 */
public final class LegacyKeys {
  /** Marks an imported, not yet upgraded hash; a SHA-256 hex lookup can never equal such a value. */
  public static final String HASH_PREFIX = "pbkdf2:";
  private static final byte[] SALT = "astrbot_api_key".getBytes(StandardCharsets.UTF_8);
  private static final int ITERATIONS = 100_000;
  private static final AtomicLong COMPUTATIONS = new AtomicLong();

  private LegacyKeys() {
  }

  /** Upstream's stored hash of a raw key (~0.1 s of CPU: callers run it off the event loop, and only on a prefix match). */
  public static String pbkdf2Hex(String rawKey) {
    COMPUTATIONS.incrementAndGet();
    try {
      PBEKeySpec spec = new PBEKeySpec(rawKey.toCharArray(), SALT, ITERATIONS, 256);
      byte[] out = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      spec.clearPassword();
      return HexFormat.of().formatHex(out);
    } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of a computed hex hash with a stored one. */
  public static boolean sameHash(String computedHex, String storedHex) {
    return MessageDigest.isEqual(computedHex.getBytes(StandardCharsets.US_ASCII),
        storedHex.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }

  /** How many PBKDF2 computations this JVM has run (tests and metrics use it to prove the cost bound). */
  public static long computations() {
    return COMPUTATIONS.get();
  }
}
