package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.Ed25519Keys;
import io.mast.runtime.console.PinHash;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast provision} on an empty {@code /etc/mast} (a directory of the test), again without
 * {@code --force} (refused), with {@code --force} and a certificate, and with each bad input;
 * the keys and certificates are openssl's, and openssl reads what provisioning wrote.
 */
class ProvisionCommandTest {
  @TempDir
  Path dir;

  /** Runs openssl with {@code args} in the test's directory; fails with its output unless it exits 0. */
  private String openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("openssl is not installed; install it with: apt-get install openssl (./run-tests does this)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl " + args[0] + " did not end");
    assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ":\n" + out);
    return out;
  }

  private String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aNewBoardGetsItsIdentityKeysAndPinAndAProvisionedOneIsNotReplacedWithoutForce() throws Exception {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-subj", "/CN=city-ca", "-days", "30");
    Ed25519Keys.writeNew(dir.resolve("ops-2027.pem"), dir.resolve("ops-2027.pub.pem"));
    Path etc = dir.resolve("etc/mast");

    Cli.Result made = Cli.run("2468\n2468\n", "provision", "--etc", etc.toString(), "--device-id", "pole-0412", "--broker",
        "ssl://mqtt.city.example:8883", "--ca", dir.resolve("ca.pem").toString(), "--generate-key", "--trust",
        dir.resolve("ops-2027.pub.pem").toString(), "--site", "Harbour St 12", "--group", "harbour", "--console-pin");
    assertEquals(0, made.status(), made.out() + made.err());
    assertTrue(made.out().contains("provisioned pole-0412 (Harbour St 12) in " + etc.resolve("device.json")), made.out());
    assertTrue(made.out().contains("topics:  m/pole-0412/t (readings), m/pole-0412/c (config), m/pole-0412/o (updates)"), made.out());
    assertTrue(made.out().contains("trusts:  ops-2027"), made.out());
    assertTrue(made.out().contains("-----BEGIN PUBLIC KEY-----"), made.out());

    DeviceConfig c = DeviceConfigs.readFile(etc.resolve("device.json"));
    assertEquals("pole-0412", c.getIdentity().getDeviceId());
    assertEquals(List.of("harbour"), c.getIdentity().getGroupsList());
    assertEquals(List.of("ssl://mqtt.city.example:8883"), c.getUplink().getBrokerUrisList());
    assertEquals(etc.resolve("tls/ca.pem").toString(), c.getUplink().getTlsCaFile());
    assertEquals(etc.resolve("tls/device.key").toString(), c.getUplink().getTlsKeyFile());
    assertEquals("ops-2027", c.getTrust().getKeys(0).getKeyId());
    assertArrayEquals(Ed25519Keys.raw(Ed25519Keys.readPublicPem(Files.readString(dir.resolve("ops-2027.pub.pem")))),
        c.getTrust().getKeys(0).getEd25519Public().toByteArray());
    assertTrue(PinHash.matches("2468".toCharArray(), c.getConsole().getPinHash()));
    assertEquals("rw-r-----", mode(etc.resolve("device.json")));
    assertEquals("rw-------", mode(etc.resolve("tls/device.key")));
    assertEquals("rw-r--r--", mode(etc.resolve("tls/ca.pem")));
    // openssl reads the key made here, and the public key printed is the key's
    String pub = openssl("pkey", "-in", etc.resolve("tls/device.key").toString(), "-pubout");
    assertTrue(made.out().contains(pub.strip()), "the printed public key is the key's:\n" + pub + "\n" + made.out());
    openssl("x509", "-in", etc.resolve("tls/ca.pem").toString(), "-noout", "-subject");

    // again, without --force: refused, nothing changed
    byte[] before = Files.readAllBytes(etc.resolve("device.json"));
    byte[] keyBefore = Files.readAllBytes(etc.resolve("tls/device.key"));
    Cli.Result again = Cli.run("", "provision", "--etc", etc.toString(), "--device-id", "pole-0413", "--broker", "tcp://10.0.0.1:1883");
    assertEquals(1, again.status(), again.out());
    assertTrue(again.err().contains("already makes this pole 'pole-0412'; give --force to replace its identity and keys"), again.err());
    assertArrayEquals(before, Files.readAllBytes(etc.resolve("device.json")));
    assertArrayEquals(keyBefore, Files.readAllBytes(etc.resolve("tls/device.key")));

    // with --force and a certificate the platform's CA signed for the generated key's owner
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "device.key", "-out", "device.csr",
        "-subj", "/CN=pole-0412");
    openssl("x509", "-req", "-in", "device.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "device.pem", "-days", "30");
    Cli.Result forced = Cli.run("", "provision", "--etc", etc.toString(), "--device-id", "pole-0412", "--broker",
        "ssl://mqtt.city.example:8883", "--ca", dir.resolve("ca.pem").toString(), "--cert", dir.resolve("device.pem").toString(), "--key",
        dir.resolve("device.key").toString(), "--force");
    assertEquals(0, forced.status(), forced.out() + forced.err());
    DeviceConfig f = DeviceConfigs.readFile(etc.resolve("device.json"));
    assertEquals(c.getVersion() + 1, f.getVersion());
    assertEquals("Harbour St 12", f.getIdentity().getSite(), "what was not given is kept");
    assertEquals("ops-2027", f.getTrust().getKeys(0).getKeyId());
    assertArrayEquals(Files.readAllBytes(dir.resolve("device.key")), Files.readAllBytes(etc.resolve("tls/device.key")));
    assertEquals("rw-------", mode(etc.resolve("tls/device.key")));
    openssl("verify", "-CAfile", etc.resolve("tls/ca.pem").toString(), etc.resolve("tls/device.pem").toString());
  }

  @Test
  void eachBadInputIsRefusedWithWhatToGiveAndNothingIsWritten() throws Exception {
    Path etc = dir.resolve("etc");
    String[][] cases = {
        {"--device-id 'pole 1' is not a device id", "--device-id", "pole 1", "--broker", "tcp://10.0.0.1:1883"},
        {"--broker ", "--device-id", "p1", "--broker", "http://10.0.0.1"},
        {"is TLS: give --ca FILE", "--device-id", "p1", "--broker", "ssl://10.0.0.1:8883"},
        {"--cert and --key go together", "--device-id", "p1", "--broker", "tcp://10.0.0.1:1883", "--cert", "x.pem"},
        {"--generate-key makes the key here", "--device-id", "p1", "--broker", "tcp://10.0.0.1:1883", "--generate-key", "--key", "k.pem",
            "--cert", "c.pem"},
        {"missing-ca.pem: no such file", "--device-id", "p1", "--broker", "ssl://10.0.0.1:8883", "--ca", "missing-ca.pem"},
        {"--trust ops.pem: a public key file is named ID.pub.pem", "--device-id", "p1", "--broker", "tcp://10.0.0.1:1883", "--trust",
            "ops.pem"},
    };
    for (String[] c : cases) {
      List<String> args = new ArrayList<>(List.of("provision", "--etc", etc.toString()));
      args.addAll(List.of(c).subList(1, c.length));
      Cli.Result r = Cli.run("", args.toArray(String[]::new));
      assertEquals(2, r.status(), String.join(" ", args) + "\n" + r.err());
      assertTrue(r.err().contains(c[0]), "'" + c[0] + "' in:\n" + r.err());
    }
    Cli.Result differ = Cli.run("2468\n1357\n", "provision", "--etc", etc.toString(), "--device-id", "p1", "--broker", "tcp://10.0.0.1:1883",
        "--console-pin");
    assertEquals(1, differ.status());
    assertTrue(differ.err().contains("the two PINs differ; nothing written"), differ.err());
    Cli.Result shortPin = Cli.run("12\n12\n", "provision", "--etc", etc.toString(), "--device-id", "p1", "--broker", "tcp://10.0.0.1:1883",
        "--console-pin");
    assertEquals(1, shortPin.status());
    assertTrue(shortPin.err().contains("a PIN has 4 to 64 characters, not 2"), shortPin.err());
    assertTrue(!Files.exists(etc.resolve("device.json")), "nothing written");
  }
}
