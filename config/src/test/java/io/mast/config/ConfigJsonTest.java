package io.mast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file read strictly, every problem at once as "path: value and what is allowed". */
class ConfigJsonTest {
  @TempDir
  Path dir;

  private static List<String> problems(String json) {
    ConfigException e = assertThrows(ConfigException.class, () -> DeviceConfigs.parseJson(json));
    return e.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void everyProblemOfAWellFormedFileComesAtOnceWithItsPath() {
    String json = """
        {"version": -5,
         "identity": {"device_id": "p1"},
         "sensors": [{"id": "a", "intervall_s": 10, "driver": "MODBUS", "gpio_pin": 1.5},
                     {"id": "b", "interval_s": 99999999999, "counter": "yes", "exponent": "2"}],
         "uplink": {"broker_uris": "tcp://h:1883", "keepalive_s": {}},
         "colour": "green"}
        """;
    assertEquals(List.of(
        "version: -5 is outside 0..18446744073709551615 (uint64)",
        "sensors[0].intervall_s: no such field in sensors[0]; did you mean 'interval_s'?",
        "sensors[0].driver: \"MODBUS\" is not one of pulse_meter, modbus_rtu, pms5003, mhz19, mbus, modem, cjt188, dlt645 (in any case)",
        "sensors[0].gpio_pin: 1.5 is not a whole number",
        "sensors[1].interval_s: 99999999999 is outside 0..4294967295 (uint32)",
        "sensors[1].counter: \"yes\" is not true or false",
        "sensors[1].exponent: \"2\" is not a whole number",
        "uplink.broker_uris: expected a list [...], found a text",
        "uplink.keepalive_s: expected a whole number, found an object",
        "colour: no such field in the config; the fields are version, identity, sensors, uplink, store, alarms, console, trust, board"),
        problems(json));
  }

  @Test
  void enumValuesAreTakenInTheCaseTheSchemaPrintsAndInUpperCase() throws Exception {
    DeviceConfig c = DeviceConfigs.parseJson("{\"sensors\": [{\"driver\": \"modbus_rtu\"}, {\"driver\": \"PMS5003\"}, {\"driver\": \"Mhz19\"}]}");
    assertEquals(List.of(DriverKind.MODBUS_RTU, DriverKind.PMS5003, DriverKind.MHZ19), c.getSensorsList().stream().map(s -> s.getDriver()).toList());
    assertTrue(DeviceConfigs.schema().stream().anyMatch(l -> l.contains("values=pulse_meter|modbus_rtu|pms5003|mhz19|mbus|modem")));
  }

  @Test
  void lowerCamelNamesAndStringsFor64BitNumbersAreTheProto3MappingAndAccepted() throws Exception {
    DeviceConfig c = DeviceConfigs.parseJson("{\"version\": \"7\", \"identity\": {\"deviceId\": \"p1\"}, \"store\": {\"capacity_bytes\": \"2097152\"}}");
    assertEquals(7, c.getVersion());
    assertEquals("p1", c.getIdentity().getDeviceId());
    assertEquals(2_097_152, c.getStore().getCapacityBytes());
  }

  @Test
  void aKeyGivenTwiceIsRefusedNotLastWins() {
    assertEquals(List.of("uplink.keepalive_s: given twice; each field may appear once"),
        problems("{\"uplink\": {\"keepalive_s\": 60, \"broker_uris\": [], \"keepalive_s\": 600}}"));
  }

  @Test
  void malformedJsonIsOneProblemWithItsLineAndColumn() {
    List<String> missingComma = problems("{\n  \"version\": 1\n  \"board\": \"sim\"\n}");
    assertEquals(1, missingComma.size());
    assertTrue(missingComma.get(0).startsWith("line 3 column 4: "), missingComma.get(0));
    for (String bad : List.of("{\"version\": 1} // done", "{\"version\": 1 /* one */}", "{\"version\": 1}\n{\"version\": 2}",
        "{\"version\": 1}x", "{'version': 1}", "{\"version\": 1,}", "{\"board\": \"s\u0001m\"}")) {
      List<String> p = problems(bad);
      assertEquals(1, p.size(), bad + " -> " + p);
      assertTrue(p.get(0).matches("line \\d+ column \\d+: .*"), bad + " -> " + p);
    }
    assertEquals(List.of("the JSON ends too early (End of input at line 1 column 14 path $.version)"), problems("{\"version\": 1"));
    assertEquals(List.of("the config is one JSON object {...}; found a list"), problems("[1, 2]"));
  }

  @Test
  void controlCharactersInTextValuesAreRefusedAndLongValuesAreCutWhenEchoed() {
    assertEquals(List.of("store.dir: \"/var/lib/\\u0000mast\" holds a control character (U+0000) at position 9; text values may not"),
        problems("{\"store\": {\"dir\": \"/var/lib/\\u0000mast\"}}"));
    String huge = "x".repeat(1_000_000);
    List<String> p = problems("{\"version\": \"" + huge + "\"}");
    assertEquals(List.of("version: \"" + "x".repeat(60) + "... (1000000 characters)\" is not a whole number"), p);
  }

  /** A fuzzing finding: a huge exponent was turned into an integer (10^100000010) before its range was checked. */
  @Test
  void aWholeNumberWithAHugeExponentIsRefusedByItsDigitsNotComputed() throws Exception {
    assertEquals(List.of("version: 1e100000010 is outside 0..18446744073709551615 (uint64)"), problems("{\"version\": 1e100000010}"));
    assertEquals(List.of("version: 1e-100000010 is not a whole number"), problems("{\"version\": 1e-100000010}"));
    // computed first, this one overflows BigInteger and was called "not a whole number"
    assertEquals(List.of("version: 1e2147483647 is outside 0..18446744073709551615 (uint64)"), problems("{\"version\": 1e2147483647}"));
    assertEquals(List.of("sensors[0].interval_s: 1e10 is outside 0..4294967295 (uint32)"),
        problems("{\"sensors\": [{\"interval_s\": 1e10}]}"));
    assertEquals(25, DeviceConfigs.parseJson("{\"version\": 2.50e1}").getVersion(), "a whole number written with an exponent");
  }

  @Test
  void aFileThatIsMissingADirectoryOrBinaryIsNamedWithWhatIsWrong() throws Exception {
    Path missing = dir.resolve("device.json");
    assertEquals(missing + ": no such file", assertThrows(ConfigException.class, () -> DeviceConfigs.readFile(missing)).getMessage());
    assertEquals(dir + ": is a directory, not a config file",
        assertThrows(ConfigException.class, () -> DeviceConfigs.readFile(dir)).getMessage());
    Path binary = dir.resolve("device.bin");
    Files.write(binary, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, (byte) 0xff});
    assertEquals(binary + ": not UTF-8 text (a binary file?); a config is JSON text",
        assertThrows(ConfigException.class, () -> DeviceConfigs.readFile(binary)).getMessage());
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"version\": 0.5}");
    ConfigException e = assertThrows(ConfigException.class, () -> DeviceConfigs.readFile(bad));
    assertEquals(bad + ": 1 problem:\nversion: 0.5 is not a whole number", e.getMessage());
  }
}
