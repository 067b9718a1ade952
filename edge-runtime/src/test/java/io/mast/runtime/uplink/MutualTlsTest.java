package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ReadingsCsv;
import io.mast.runtime.EdgeRuntime;
import io.mast.sim.Mosquitto;
import io.mast.sim.EmbeddedBroker;
import io.mast.sim.SimulatedBoard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS and username/password against Mosquitto, with a CA, a broker certificate and a
 * device certificate made by {@code openssl} at test time.
 */
class MutualTlsTest {
  @TempDir
  Path dir;

  private void openssl(String... args) throws Exception {
    new io.mast.protocol.Openssl(dir).run(args);
  }

  private void certificates() throws Exception {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem");
    for (String who : List.of("broker", "device")) {
      openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
          "/CN=" + (who.equals("broker") ? "127.0.0.1" : "pole-9"), "-keyout", who + ".key", "-out", who + ".csr");
      Files.writeString(dir.resolve(who + ".ext"), who.equals("broker") ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n");
      openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
          "-extfile", who + ".ext", "-out", who + ".pem");
    }
  }

  private EdgeRuntime run(String broker, boolean clientCert) throws Exception {
    Path channels = dir.resolve("c.csv");
    Files.writeString(channels, "channel,unit,exponent,interval_s,kind,description\nair.pm25,ug/m3,0,10,gauge,PM2.5\n");
    StringBuilder rows = new StringBuilder("time,channel,value\n");
    for (int i = 0; i < 50; i++) {
      rows.append(java.time.Instant.ofEpochSecond(1_770_000_000L + i * 10L)).append(",air.pm25,").append(i).append('\n');
    }
    Files.writeString(dir.resolve("r.csv"), rows);
    DeviceConfig base = SimulatedBoard.exampleConfig();
    var uplink = base.getUplink().toBuilder().setTlsCaFile(dir.resolve("ca.pem").toString())
        .setUsername("pole-9").setPassword("s3cret").setReconnectMinMs(100).setReconnectMaxS(1).setConnectTimeoutS(5);
    if (clientCert) {
      uplink.setTlsCertFile(dir.resolve("device.pem").toString()).setTlsKeyFile(dir.resolve("device.key").toString());
    }
    DeviceConfig config = DeviceConfigs.effective(base.toBuilder().setUplink(uplink).clearAlarms().build());
    ChannelProfile profile = ReadingsCsv.readChannels(channels);
    return EdgeRuntime.start(new EdgeRuntime.Options(config, "pole-9", List.of(broker), dir.resolve(clientCert ? "state" : "state2"),
        null, dir.resolve("r.csv"), profile, 0, -1, "test"));
  }

  @Test
  void theDeviceConnectsWithItsCertificateAndPasswordAndNotWithoutTheCertificate() throws Exception {
    certificates();
    Files.writeString(dir.resolve("passwd"), "pole-9:s3cret\n");
    Process hash = new ProcessBuilder(Mosquitto.client("mosquitto_passwd"), "-U", dir.resolve("passwd").toString()).start();
    assertTrue(hash.waitFor(10, TimeUnit.SECONDS) && hash.exitValue() == 0, "mosquitto_passwd");
    int tlsPort = EmbeddedBroker.freePort();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"),
        "listener " + tlsPort + " 127.0.0.1",
        "cafile " + dir.resolve("ca.pem"), "certfile " + dir.resolve("broker.pem"), "keyfile " + dir.resolve("broker.key"),
        "require_certificate true", "tls_version tlsv1.2", "password_file " + dir.resolve("passwd"))) {
      String uri = "ssl://127.0.0.1:" + tlsPort;
      try (EdgeRuntime runtime = run(uri, true)) {
        assertTrue(runtime.awaitEnd(Duration.ofSeconds(30)), "acknowledged over mutual TLS: " + runtime.uplinkStats());
        assertEquals(50, runtime.uplinkStats().readingsAcked());
      }
      try (EdgeRuntime refused = run(uri, false)) {
        Awaitility.await("a refused attempt").atMost(Duration.ofSeconds(20)).until(() -> !refused.uplinkStats().lastError().isEmpty());
        Uplink.Stats s = refused.uplinkStats();
        assertEquals(0, s.connects(), "no connection without the device certificate: " + s);
      }
    }
  }
}
