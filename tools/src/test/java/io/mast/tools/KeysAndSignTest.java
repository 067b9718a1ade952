package io.mast.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Trust;
import io.mast.config.model.TrustedKey;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.SignedControl;
import io.mast.protocol.TrustedKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mast keys gen} and {@code mast config sign}: keys the real openssl reads, a push a pole verifies. */
class KeysAndSignTest {
  @TempDir
  Path dir;

  private String openssl(String... args) throws Exception {
    return new io.mast.protocol.Openssl(dir).run(args);
  }

  @Test
  void keysGenWritesAPrivateKeyOnlyItsOwnerReadsThatOpensslTakesAndNeverOverwritesOne() throws Exception {
    Cli.Result r = Cli.run("", "keys", "gen", "--out", dir.resolve("keys").toString(), "--id", "ops-2027");
    assertEquals(0, r.status(), r.err());
    Path key = dir.resolve("keys/ops-2027.pem");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertTrue(openssl("pkey", "-in", key.toString(), "-noout", "-text").contains("ED25519 Private-Key"));
    Matcher m = Pattern.compile("\\{\"key_id\": \"ops-2027\", \"ed25519_public\": \"([A-Za-z0-9+/=]+)\"\\}").matcher(r.out());
    assertTrue(m.find(), r.out());
    byte[] raw = Base64.getDecoder().decode(m.group(1));
    openssl("pkey", "-in", key.toString(), "-pubout", "-outform", "DER", "-out", "pub.der");
    byte[] spki = Files.readAllBytes(dir.resolve("pub.der"));
    assertArrayEquals(raw, java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length), "the trust entry is openssl's public key");

    Cli.Result again = Cli.run("", "keys", "gen", "--out", dir.resolve("keys").toString(), "--id", "ops-2027");
    assertEquals(1, again.status());
    assertTrue(again.err().contains("exists; a key is never overwritten"), again.err());
  }

  @Test
  void configSignWritesAPushThePoleVerifiesAndRefusesAnInvalidConfigWithEveryProblem() throws Exception {
    Cli.Result k = Cli.run("", "keys", "gen", "--out", dir.toString(), "--id", "ops-1");
    Matcher m = Pattern.compile("\"ed25519_public\": \"([A-Za-z0-9+/=]+)\"").matcher(k.out());
    assertTrue(m.find());
    byte[] raw = Base64.getDecoder().decode(m.group(1));
    DeviceConfig example = DeviceConfigs.readFile(Path.of("../config/examples/rpi-pole.json"));
    DeviceConfig c = example.toBuilder().setVersion(9).setTrust(Trust.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId("ops-1")
        .setEd25519Public(com.google.protobuf.ByteString.copyFrom(raw)))).build();
    Path json = dir.resolve("pole.json");
    Files.writeString(json, DeviceConfigs.toJson(c));
    String id = c.getIdentity().getDeviceId();
    Cli.Result r = Cli.run("", "config", "sign", "--device", id, "--key", dir.resolve("ops-1.pem").toString(), "--key-id", "ops-1",
        "--out", dir.resolve("push.bin").toString(), json.toString());
    assertEquals(0, r.status(), r.out());
    assertTrue(r.out().contains("publish it retained at QoS 1 on m/" + id + "/c"), r.out());
    var verified = SignedControl.verify(Files.readAllBytes(dir.resolve("push.bin")), ConfigSetMessage.MAX_ENVELOPE_BYTES,
        TrustedKeys.ofRaw(Map.of("ops-1", raw)), SignedControl.Type.CONFIG_SET, new SignedControl.Audience(id, Set.of()),
        java.time.Instant.now().getEpochSecond());
    assertEquals(9, ConfigSetMessage.parse(verified.payload()).version());

    Files.writeString(json, DeviceConfigs.toJson(c.toBuilder().setUplink(c.getUplink().toBuilder().setKeepaliveS(1)).build()));
    Cli.Result bad = Cli.run("", "config", "sign", "--device", "someone-else", "--key", dir.resolve("ops-1.pem").toString(),
        "--key-id", "ops-1", "--expires", "soon", "--out", dir.resolve("bad.bin").toString(), json.toString());
    assertEquals(1, bad.status());
    assertTrue(bad.out().contains("--expires 'soon' is not a duration like 30m, 12h or 7d"), bad.out());
    assertTrue(bad.out().contains("identity.device_id: '" + id + "' is not --device someone-else"), bad.out());
    assertTrue(bad.out().contains("uplink.keepalive_s: 1 is below the minimum 10"), bad.out());
    assertTrue(Files.notExists(dir.resolve("bad.bin")));
  }
}
