package io.mast.runtime.console;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The technician PIN as the config keeps it ({@code console.pin_hash}): a salted, slow hash with
 * its parameters in the string, so the cost can rise later without breaking stored hashes.
 *
 * <pre>
 * pbkdf2-sha256$ITERATIONS$SALT$HASH      SALT 16 bytes, HASH 32 bytes, both base64 without padding
 * </pre>
 *
 * PBKDF2-HMAC-SHA256 from the JDK; {@value #ITERATIONS} iterations take tens of milliseconds on a
 * Raspberry Pi 4, which a person at the console does not notice and a guesser with the hash does.
 * Comparison is constant-time. Stateless and thread-safe.
 */
public final class PinHash {
  /** Iterations of new hashes. */
  public static final int ITERATIONS = 120_000;
  private static final String SCHEME = "pbkdf2-sha256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private PinHash() {}

  /** A new hash of {@code pin} with a fresh salt. */
  public static String hash(char[] pin) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return format(ITERATIONS, salt, derive(pin, salt, ITERATIONS));
  }

  /**
   * Whether {@code pin} matches {@code stored}.
   *
   * @throws IllegalArgumentException if {@code stored} is not a hash of this form (naming what is wrong)
   */
  public static boolean matches(char[] pin, String stored) {
    Parsed p = parse(stored);
    return MessageDigest.isEqual(p.expected(), derive(pin, p.salt(), p.iterations()));
  }

  /** Whether {@code stored} is a hash of this form (without deriving anything). */
  public static boolean wellFormed(String stored) {
    try {
      parse(stored);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private record Parsed(int iterations, byte[] salt, byte[] expected) {}

  private static Parsed parse(String stored) {
    String[] parts = stored.split("\\$", -1);
    if (parts.length != 4 || !parts[0].equals(SCHEME)) {
      throw new IllegalArgumentException("console.pin_hash is not '" + SCHEME + "$ITERATIONS$SALT$HASH' (make one with: mast console hash-pin)");
    }
    int iterations;
    byte[] salt;
    byte[] expected;
    try {
      iterations = Integer.parseInt(parts[1]);
      salt = Base64.getDecoder().decode(parts[2]);
      expected = Base64.getDecoder().decode(parts[3]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("console.pin_hash has a bad number or base64 field: " + e.getMessage(), e);
    }
    if (iterations < 1_000 || iterations > 10_000_000 || salt.length < 8 || expected.length != 32) {
      throw new IllegalArgumentException("console.pin_hash has " + iterations + " iterations, a " + salt.length
          + "-byte salt and a " + expected.length + "-byte hash; expected 1000..10000000, at least 8 and 32");
    }
    return new Parsed(iterations, salt, expected);
  }

  private static byte[] derive(char[] pin, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(pin, salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
    }
  }

  private static String format(int iterations, byte[] salt, byte[] hash) {
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  /** For tests of stored hashes: the hash of {@code pin} with a given salt and cost. */
  static String hash(char[] pin, byte[] salt, int iterations) {
    return format(iterations, salt, derive(pin, salt, iterations));
  }
}
