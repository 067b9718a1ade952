package io.mast.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
  static final Path EXAMPLES = Path.of("..", "config", "examples");

  @TempDir
  Path tmp;

  @Test
  void bothExampleConfigsPassCheck() {
    Cli.Result sim = Cli.run("", "config", "check", EXAMPLES.resolve("sim-pole.json").toString());
    assertEquals(0, sim.status(), sim.out());
    assertEquals("ok\n", sim.out());
    Cli.Result rpi = Cli.run("", "config", "check", EXAMPLES.resolve("rpi-pole.json").toString());
    assertEquals(0, rpi.status(), rpi.out());
    assertTrue(rpi.out().startsWith("warning: uplink.tls_ca_file: /etc/mast/tls/ca.pem does not exist on this machine\n"), rpi.out());
    assertTrue(rpi.out().endsWith("ok\n"), rpi.out());
  }

  @Test
  void onTheDeviceMissingTlsFilesFailTheCheck() {
    Cli.Result rpi = Cli.run("", "config", "check", "--on-device", EXAMPLES.resolve("rpi-pole.json").toString());
    assertEquals(1, rpi.status());
    assertTrue(rpi.out().startsWith("uplink.tls_ca_file: /etc/mast/tls/ca.pem does not exist on this machine\n"), rpi.out());
  }

  @Test
  void checkPrintsEveryErrorAndExitsOne() throws Exception {
    String json = Files.readString(EXAMPLES.resolve("sim-pole.json"))
        .replace("\"max_frame_bytes\": 1024", "\"max_frame_bytes\": 100")
        .replace("\"gpio_pin\": 27", "\"gpio_pin\": 17");
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, json);
    Cli.Result r = Cli.run("", "config", "check", bad.toString());
    assertEquals(1, r.status());
    assertEquals("sensors[7].gpio_pin: 17 is already claimed by sensors[6]\n"
        + "uplink.max_frame_bytes: 100 is below the minimum 128\n", r.out());
  }

  @Test
  void checkOfJsonThatDoesNotFitTheSchemaSaysWhere() throws Exception {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"version\": \"1\", \"uplink\": {\"brokers\": []}}");
    Cli.Result r = Cli.run("", "config", "check", bad.toString());
    assertEquals(1, r.status());
    assertTrue(r.out().startsWith(bad + ": config is not valid JSON for the schema: Cannot find field: brokers in message mast.v1.Uplink"), r.out());
  }

  @Test
  void showPrintsTheEffectiveConfigWithSecretsMasked() throws Exception {
    String json = Files.readString(EXAMPLES.resolve("sim-pole.json"))
        .replace("\"daily_byte_budget\": \"1000000\"", "\"daily_byte_budget\": \"1000000\", \"username\": \"pole\", \"password\": \"s3cret\"");
    Path file = tmp.resolve("device.json");
    Files.writeString(file, json);
    Cli.Result all = Cli.run("", "config", "show", "--file", file.toString());
    assertEquals(0, all.status(), all.err());
    assertFalse(all.out().contains("s3cret"), all.out());
    assertTrue(all.out().contains("\"password\": \"***\""), all.out());
    assertTrue(all.out().contains("\"keepalive_s\": 1200"), "defaults are filled in");
    assertEquals("\"***\"\n", Cli.run("", "config", "show", "--file", file.toString(), "uplink.password").out());
    assertEquals("1200\n", Cli.run("", "config", "show", "--file", file.toString(), "uplink.keepalive_s").out());
    Cli.Result missing = Cli.run("", "config", "show", "--file", tmp.resolve("none.json").toString());
    assertEquals(1, missing.status());
    assertEquals("mast config show: " + tmp.resolve("none.json") + ": no such file\n", missing.err());
  }

  @Test
  void diffPrintsChangedPathsWithOldAndNewValues() throws Exception {
    Path a = EXAMPLES.resolve("sim-pole.json");
    Path b = tmp.resolve("b.json");
    Files.writeString(b, Files.readString(a).replace("\"version\": \"1\"", "\"version\": \"2\"").replace("\"batch_window_s\": 300", "\"batch_window_s\": 600"));
    Cli.Result r = Cli.run("", "config", "diff", a.toString(), b.toString());
    assertEquals(0, r.status(), r.err());
    assertEquals("version: 1 -> 2\nuplink.batch_window_s: 300 -> 600\n", r.out());
    assertEquals("no changes\n", Cli.run("", "config", "diff", a.toString(), a.toString()).out());
  }

  @Test
  void schemaDescribesEveryFieldForIntegrators() {
    Cli.Result r = Cli.run("", "config", "schema");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("store.sync_interval_ms  uint32  unit=ms  default=5000  range=10..60000  -- group commit interval"), r.out());
    assertTrue(r.out().contains("sensors[].driver  enum DriverKind  required  values=pulse_meter|modbus_rtu|pms5003|mhz19|mbus|modem"), r.out());
  }
}
