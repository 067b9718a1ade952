package io.mast.protocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for an MQTT connection (the pole's uplink, the platform tools) from PEM files as a platform
 * hands them out: the CA certificate(s) that signed the broker's, and for mutual TLS the client
 * certificate (chain) and its private key in
 * PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}; RSA, EC or Ed25519). Only TLS 1.2 and 1.3 are
 * enabled. A key in another form is refused with the {@code openssl} command that converts it.
 */
public final class Tls {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private Tls() {}

  /**
   * A socket factory trusting {@code caFile} (the JDK's trust store when null) and presenting
   * {@code certFile}/{@code keyFile} when both are given.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  public static SSLSocketFactory socketFactory(Path caFile, Path certFile, Path keyFile) throws IOException {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caFile == null) {
        tmf.init((KeyStore) null);
      } else {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates(caFile)) {
          trust.setCertificateEntry("ca-" + i++, c);
        }
        tmf.init(trust);
      }
      KeyManagerFactory kmf = null;
      if (certFile != null && keyFile != null) {
        KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry("device", privateKey(keyFile), none, certificates(certFile).toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return new Tls12Plus(context.getSocketFactory());
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS set-up failed: " + e.getMessage(), e);
    }
  }

  private static List<Certificate> certificates(Path file) throws IOException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<Certificate> certs = List.copyOf(cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file))));
      if (certs.isEmpty()) {
        throw new IOException(file + ": no PEM certificate in it");
      }
      return certs;
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": not a PEM certificate: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf("-----END PRIVATE KEY-----");
    if (from < 0 || to < from) {
      throw new IOException(file + ": not a PKCS#8 private key (BEGIN PRIVATE KEY); convert it with"
          + " 'openssl pkcs8 -topk8 -nocrypt -in " + file + " -out device.pk8.pem'");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(file + ": PKCS#8 key is neither EC, RSA nor Ed25519");
  }

  /** Enables TLS 1.2 and 1.3 only on every socket. */
  private static final class Tls12Plus extends SSLSocketFactory {
    private final SSLSocketFactory delegate;

    Tls12Plus(SSLSocketFactory delegate) {
      this.delegate = delegate;
    }

    private Socket restrict(Socket s) {
      if (s instanceof SSLSocket ssl) {
        ssl.setEnabledProtocols(PROTOCOLS);
      }
      return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return restrict(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return restrict(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return restrict(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return restrict(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return restrict(delegate.createSocket(address, port, localAddress, localPort));
    }
  }
}
