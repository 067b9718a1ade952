package io.mast.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys in the forms Mast and OpenSSL share: PEM {@code PRIVATE KEY} (PKCS#8) and
 * {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), as {@code openssl genpkey -algorithm ed25519}
 * writes them, and the raw 32-byte public key the device config lists. Stateless.
 *
 * <p>The JDK's Ed25519 signatures are byte for byte OpenSSL's ({@code openssl pkeyutl -sign
 * -rawin}); only the key encodings need translating, which is what this class does.
 */
public final class Ed25519Keys {
  /** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key's 32 bytes follow it. */
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  /** Bytes of a raw Ed25519 public key. */
  public static final int RAW_PUBLIC_BYTES = 32;

  private Ed25519Keys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 (Java 15 and later do)", e);
    }
  }

  /** What a public key file names by its name ({@code ID.pub.pem}, as {@link #writeNew} callers make it): the key id and the raw key. */
  public record NamedPublicKey(String keyId, byte[] raw) {}

  /** The suffix of a public key file: {@code ID.pub.pem}. */
  public static final String PUBLIC_SUFFIX = ".pub.pem";

  /**
   * Reads the public key file {@code file}, whose name gives its key id ({@code ID.pub.pem}).
   *
   * @throws IllegalArgumentException if the name does not end with {@value #PUBLIC_SUFFIX}
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws GeneralSecurityException if it holds no Ed25519 public key in PEM
   */
  public static NamedPublicKey readNamedPublic(Path file) throws IOException, GeneralSecurityException {
    String name = file.getFileName().toString();
    if (!name.endsWith(PUBLIC_SUFFIX)) {
      throw new IllegalArgumentException(file + " is not named ID" + PUBLIC_SUFFIX);
    }
    byte[] raw = raw(readPublicPem(Files.readString(file, StandardCharsets.US_ASCII)));
    return new NamedPublicKey(name.substring(0, name.length() - PUBLIC_SUFFIX.length()), raw);
  }

  /**
   * Makes a new key pair and writes it: {@code privatePem} created afresh with mode 0600 (a
   * {@link java.nio.file.FileAlreadyExistsException} if it exists: a key is never overwritten),
   * then {@code publicPem}.
   */
  public static KeyPair writeNew(Path privatePem, Path publicPem) throws IOException {
    KeyPair pair = generate();
    Files.createFile(privatePem,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(privatePem, privatePem(pair.getPrivate()), StandardCharsets.US_ASCII);
    Files.writeString(publicPem, publicPem(pair.getPublic()), StandardCharsets.US_ASCII);
    return pair;
  }

  /** The public key of 32 raw bytes (the config's {@code ed25519_public}). */
  public static PublicKey publicFromRaw(byte[] raw) throws GeneralSecurityException {
    if (raw.length != RAW_PUBLIC_BYTES) {
      throw new GeneralSecurityException("an Ed25519 public key is " + RAW_PUBLIC_BYTES + " bytes, not " + raw.length);
    }
    byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + RAW_PUBLIC_BYTES);
    System.arraycopy(raw, 0, der, X509_PREFIX.length, RAW_PUBLIC_BYTES);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
  }

  /** The 32 raw bytes of an Ed25519 public key. */
  public static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())
        || der.length != X509_PREFIX.length + RAW_PUBLIC_BYTES
        || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
  }

  public static String privatePem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  public static String publicPem(PublicKey key) {
    return pem("PUBLIC KEY", key.getEncoded());
  }

  /** Reads a PEM {@code PRIVATE KEY} holding an Ed25519 key; anything else is refused with what it is. */
  public static PrivateKey readPrivatePem(String pem) throws GeneralSecurityException {
    byte[] der = unpem(pem, "PRIVATE KEY");
    try {
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException("not an Ed25519 private key (make one with: openssl genpkey -algorithm ed25519)", e);
    }
  }

  /** Reads a PEM {@code PUBLIC KEY} holding an Ed25519 key. */
  public static PublicKey readPublicPem(String pem) throws GeneralSecurityException {
    byte[] der = unpem(pem, "PUBLIC KEY");
    try {
      PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
      raw(key);
      return key;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new GeneralSecurityException("not an Ed25519 public key (openssl pkey -in KEY.pem -pubout writes one)", e);
    }
  }

  private static String pem(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  private static byte[] unpem(String pem, String label) throws GeneralSecurityException {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      String first = pem.strip().lines().findFirst().orElse("");
      throw new GeneralSecurityException("expected a PEM " + label + " (" + begin + "), found "
          + (first.startsWith("-----BEGIN") ? first : "no PEM block"));
    }
    try {
      return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("the PEM " + label + " is not valid base64: " + e.getMessage());
    }
  }
}
