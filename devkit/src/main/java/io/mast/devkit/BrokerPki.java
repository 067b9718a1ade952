package io.mast.devkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a TLS listener of a benchmark's Mosquitto needs: {@code ca.pem} (the pole's
 * {@code uplink.tls_ca_file}), {@code broker.pem} and {@code broker.key}, made by Debian's openssl.
 */
final class BrokerPki {
  private BrokerPki() {}

  /** A CA and a broker certificate for 127.0.0.1 (EC P-256), made with Debian's openssl. */
  static void make(Path dir) throws Exception {
    Files.createDirectories(dir);
    openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
        "/CN=chaos-ca", "-keyout", "ca.key", "-out", "ca.pem");
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
        "broker.key", "-out", "broker.csr");
    Files.writeString(dir.resolve("broker.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(dir, "x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile",
        "broker.ext", "-out", "broker.pem");
  }

  private static void openssl(Path dir, String... args) throws Exception {
    String binary = Files.isExecutable(Path.of("/usr/bin/openssl")) ? "/usr/bin/openssl" : "openssl";
    List<String> cmd = new ArrayList<>(List.of(binary));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed (apt-get install openssl): " + text);
    }
  }

}
