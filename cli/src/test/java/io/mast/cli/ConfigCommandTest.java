package io.mast.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  void checkOfJsonThatDoesNotFitTheSchemaListsEveryProblemWithItsPath() throws Exception {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"version\": \"1\", \"uplink\": {\"brokers\": []},\n"
        + " \"sensors\": [{\"id\": \"a\", \"driver\": \"MODBUS\", \"intervall_s\": 10, \"address\": -5}]}");
    Cli.Result r = Cli.run("", "config", "check", bad.toString());
    assertEquals(1, r.status());
    assertEquals("uplink.brokers: no such field in uplink; did you mean 'broker_uris'?\n"
        + "sensors[0].driver: \"MODBUS\" is not one of pulse_meter, modbus_rtu, pms5003, mhz19, mbus, modem, cjt188, dlt645 (in any case)\n"
        + "sensors[0].intervall_s: no such field in sensors[0]; did you mean 'interval_s'?\n"
        + "sensors[0].address: -5 is outside 0..4294967295 (uint32)\n", r.out());
  }

  @Test
  void checkOfMalformedJsonGivesLineAndColumn() throws Exception {
    Path bad = tmp.resolve("bad.json");
    Files.writeString(bad, "{\"version\": \"1\",\n \"board\": \"sim\" \"identity\": {}}");
    Cli.Result r = Cli.run("", "config", "check", bad.toString());
    assertEquals(1, r.status());
    assertTrue(r.out().startsWith("line 2 column "), r.out());
  }

  @Test
  void showPrintsTheEffectiveConfigWithSecretsMasked() throws Exception {
    String json = Files.readString(EXAMPLES.resolve("sim-pole.json"))
        .replace("\"daily_byte_budget\": \"1000000\"", "\"daily_byte_budget\": \"1000000\", \"username\": \"pole\", \"password\": \"s3cret\"");
    Path file = tmp.resolve("device.json");
    Files.writeString(file, json);
    Cli.Result all = Cli.run("", "config", "show", "--config", file.toString());
    assertEquals(0, all.status(), all.err());
    assertFalse(all.out().contains("s3cret"), all.out());
    assertTrue(all.out().contains("\"password\": \"***\""), all.out());
    assertTrue(all.out().contains("\"keepalive_s\": 1200"), "defaults are filled in");
    assertEquals("\"***\"\n", Cli.run("", "config", "show", "--config", file.toString(), "uplink.password").out());
    assertEquals("1200\n", Cli.run("", "config", "show", "--config", file.toString(), "uplink.keepalive_s").out());
    assertEquals("10\n", Cli.run("", "config", "show", "--config", file.toString(), "sensors[pms].interval_s").out());
    assertEquals("50\n", Cli.run("", "config", "show", "--config", file.toString(), "alarms[air.pm25].above").out());
    Cli.Result missing = Cli.run("", "config", "show", "--config", tmp.resolve("none.json").toString());
    assertEquals(1, missing.status());
    assertEquals("mast config show: " + tmp.resolve("none.json") + ": no such file\n", missing.err());
  }

  @Test
  void diffPrintsChangedPathsAndExitsOneLikeDiff() throws Exception {
    Path a = EXAMPLES.resolve("sim-pole.json");
    Path b = tmp.resolve("b.json");
    Files.writeString(b, Files.readString(a).replace("\"version\": \"1\"", "\"version\": \"2\"").replace("\"batch_window_s\": 10", "\"batch_window_s\": 600"));
    Cli.Result r = Cli.run("", "config", "diff", a.toString(), b.toString());
    assertEquals(1, r.status(), r.err());
    assertEquals("version: 1 -> 2\nuplink.batch_window_s: 10 -> 600\n", r.out());
    Cli.Result same = Cli.run("", "config", "diff", a.toString(), a.toString());
    assertEquals(0, same.status());
    assertEquals("no changes\n", same.out());
    Cli.Result missing = Cli.run("", "config", "diff", a.toString(), tmp.resolve("none.json").toString());
    assertEquals(2, missing.status());
    assertEquals("mast config diff: " + tmp.resolve("none.json") + ": no such file\n", missing.err());
  }

  @Test
  void diffMatchesSensorsAndAlarmsByIdNotByPosition() throws Exception {
    Path a = EXAMPLES.resolve("sim-pole.json");
    Path b = tmp.resolve("b.json");
    // the first sensor removed, the CO2 sensor's interval changed, an alarm rule's threshold changed
    String json = Files.readString(a)
        .replaceFirst("\\{\"id\": \"pms\",[^\\n]*\\n", "")
        .replace("\"id\": \"co2\", \"channel\": \"air.co2\", \"driver\": \"MHZ19\", \"bus\": \"sim:mhz19\", \"quantity\": \"co2\", \"interval_s\": 10",
            "\"id\": \"co2\", \"channel\": \"air.co2\", \"driver\": \"MHZ19\", \"bus\": \"sim:mhz19\", \"quantity\": \"co2\", \"interval_s\": 30")
        .replace("{\"channel\": \"gas.ch4\", \"above\": \"1000\"", "{\"channel\": \"gas.ch4\", \"above\": \"800\"");
    Files.writeString(b, json);
    Cli.Result r = Cli.run("", "config", "diff", a.toString(), b.toString());
    assertEquals(1, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("sensors[pms]: {\"id\":\"pms\",\"channel\":\"air.pm25\""), r.out());
    assertTrue(lines.get(0).endsWith(" -> (none)"), r.out());
    assertEquals("sensors[co2].interval_s: 10 -> 30", lines.get(1));
    assertEquals("alarms[gas.ch4].above: 1000 -> 800", lines.get(2));
  }

  @Test
  void showPrintsValidJsonForAnyTextValue() throws Exception {
    String json = Files.readString(EXAMPLES.resolve("sim-pole.json"))
        .replace("\"site\": \"simulated board\"", "\"site\": \"Main St \\\"north\\\" \\\\ corner\"");
    Path file = tmp.resolve("device.json");
    Files.writeString(file, json);
    Cli.Result r = Cli.run("", "config", "show", "--config", file.toString(), "identity.site");
    assertEquals("\"Main St \\\"north\\\" \\\\ corner\"\n", r.out());
  }

  @Test
  void schemaDescribesEveryFieldForIntegrators() {
    Cli.Result r = Cli.run("", "config", "schema");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("store.sync_interval_ms  uint32  unit=ms  default=5000  range=10..60000  -- group commit interval"), r.out());
    assertTrue(r.out().contains("sensors[].driver  enum DriverKind  required  values=pulse_meter|modbus_rtu|pms5003|mhz19|mbus|modem"), r.out());
  }
}
