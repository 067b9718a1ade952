package io.mast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.DeviceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceConfigsTest {
  @Test
  void jsonToBinaryToJsonIsExactForBothExamples() throws Exception {
    for (String name : new String[] {"sim-pole.json", "rpi-pole.json"}) {
      String json = DeviceConfigs.toJson(DeviceConfigs.parseJson(Examples.json(name)));
      byte[] binary = DeviceConfigs.parseJson(json).toByteArray();
      assertEquals(json, DeviceConfigs.toJson(DeviceConfig.parseFrom(binary)), name);
    }
  }

  @Test
  void effectiveConfigFillsDefaultsAndKeepsWhatIsSet() throws Exception {
    DeviceConfig effective = DeviceConfigs.effective(DeviceConfigs.parseJson(Examples.json("rpi-pole.json")));
    assertEquals(1200, effective.getUplink().getKeepaliveS());
    assertEquals("m/{device}/", effective.getUplink().getTopicPrefix());
    assertEquals(1_000_000, effective.getSensors(0).getCalibrationGainPpm());
    assertEquals(4, effective.getSensors(3).getRegister().getFunction(), "set values are kept");
    DeviceConfig register = DeviceConfig.newBuilder().addSensors(io.mast.config.model.Sensor.newBuilder()
        .setRegister(io.mast.config.model.ModbusRegister.newBuilder().setRegister(5))).build();
    assertEquals(3, DeviceConfigs.effective(register).getSensors(0).getRegister().getFunction());
    assertEquals(16, DeviceConfigs.effective(register).getSensors(0).getRegister().getWidthBits());
    assertEquals(5000, DeviceConfigs.effective(DeviceConfig.newBuilder().build()).getStore().getSyncIntervalMs());
    DeviceConfig bare = DeviceConfigs.effective(DeviceConfig.newBuilder().setVersion(1).build());
    assertEquals(64L << 20, bare.getStore().getCapacityBytes());
    assertEquals("/var/lib/mast/store", bare.getStore().getDir());
    assertEquals("/dev/ttyS0", bare.getConsole().getSerialPort());
  }

  @Test
  void secretsAreMaskedWhereverTheyAreShown() throws Exception {
    DeviceConfig sim = Examples.sim();
    DeviceConfig secret = sim.toBuilder().setUplink(sim.getUplink().toBuilder().setPassword("hunter2"))
        .setConsole(sim.getConsole().toBuilder().setPinHash("pbkdf2$abc")).build();
    String shown = DeviceConfigs.toMaskedJson(secret);
    assertFalse(shown.contains("hunter2") || shown.contains("pbkdf2$abc"), shown);
    assertTrue(shown.contains("\"password\": \"***\"") && shown.contains("\"pin_hash\": \"***\""), shown);
    assertEquals("\"***\"", DeviceConfigs.valueAt(secret, "uplink.password"));

    DeviceConfig changed = secret.toBuilder().setUplink(secret.getUplink().toBuilder().setPassword("correct horse")).build();
    assertEquals(List.of("uplink.password: \"***\" -> \"***\""), DeviceConfigs.diff(secret, changed).stream().map(Object::toString).toList());
  }

  @Test
  void diffNamesChangedAddedAndRemovedPathsOnly() throws Exception {
    DeviceConfig a = Examples.sim();
    DeviceConfig b = a.toBuilder().setSensors(2, a.getSensors(2).toBuilder().setIntervalS(30)).removeSensors(a.getSensorsCount() - 1)
        .setUplink(a.getUplink().toBuilder().setKeepaliveS(1200)).build();
    assertEquals(List.of("sensors[co2].interval_s: 10 -> 30",
            "sensors[modem-sinr]: {\"id\":\"modem-sinr\",\"channel\":\"link.sinr\",\"driver\":\"MODEM\",\"bus\":\"sim:modem\",\"interval_s\":300,\"unit\":\"dB\",\"calibration_gain_ppm\":1000000,\"pulses_per_unit\":1,\"register\":{\"function\":3,\"width_bits\":16},\"quantity\":\"sinr\"} -> (none)"),
        DeviceConfigs.diff(a, b).stream().map(Object::toString).toList());
    assertEquals(List.of(), DeviceConfigs.diff(a, a));
  }

  @Test
  void valueAtFollowsPathsAndSaysWhatIsWrongWithABadOne() throws Exception {
    DeviceConfig sim = DeviceConfigs.effective(Examples.sim());
    assertEquals("\"sim:rs485\"", DeviceConfigs.valueAt(sim, "sensors[3].bus"));
    assertEquals("1024", DeviceConfigs.valueAt(sim, "uplink.max_frame_bytes"));
    ConfigException e = assertThrows(ConfigException.class, () -> DeviceConfigs.valueAt(sim, "uplink.frame_bytes"));
    assertEquals("path uplink.frame_bytes: no field 'frame_bytes' in Uplink", e.getMessage());
    ConfigException idx = assertThrows(ConfigException.class, () -> DeviceConfigs.valueAt(sim, "sensors[99]"));
    assertEquals("path sensors[99]: sensors has no entry '99'; it has pms, pms-pm10, co2, probe-ph, probe-turbidity, gas-detector,"
        + " water-meter, gas-meter, heat-meter, water-main, water-valve, water-battery, gas-main, lamp-energy,"
        + " lamp-power, lamp-voltage, modem-rsrp, modem-sinr", idx.getMessage());
    // found by fuzzing the console's lines: an index past int was a NumberFormatException, not a refusal naming the path
    String huge = "sensors[" + "4".repeat(40) + "]";
    assertTrue(assertThrows(ConfigException.class, () -> DeviceConfigs.valueAt(sim, huge)).getMessage().startsWith("path " + huge + ": "));
  }

  @Test
  void withValueSetsAndRemovesByPathAndRefusesAValueOfTheWrongType() throws Exception {
    DeviceConfig sim = Examples.sim();
    assertEquals(30, DeviceConfigs.withValue(sim, "sensors[pms].interval_s", "30").getSensors(0).getIntervalS());
    assertEquals("Main Street 4", DeviceConfigs.withValue(sim, "identity.site", "Main Street 4").getIdentity().getSite());
    assertEquals("north", DeviceConfigs.withValue(sim, "identity.site", "\"north\"").getIdentity().getSite());
    assertEquals(5000, DeviceConfigs.withValue(sim, "store.sync_interval_ms", "5000").getStore().getSyncIntervalMs());
    assertTrue(!DeviceConfigs.withValue(sim, "store.sync_interval_ms", "null").getStore().hasSyncIntervalMs());
    assertEquals(sim.getSensorsCount() - 1, DeviceConfigs.withValue(sim, "sensors[co2]", "null").getSensorsCount());
    DeviceConfig added = DeviceConfigs.withValue(sim, "alarms[air.co2].above", "2000");
    assertEquals("air.co2", added.getAlarms(added.getAlarmsCount() - 1).getChannel());
    assertEquals(2000, added.getAlarms(added.getAlarmsCount() - 1).getAbove());
    ConfigException type = assertThrows(ConfigException.class, () -> DeviceConfigs.withValue(sim, "sensors[pms].interval_s", "often"));
    assertTrue(type.problems().get(0).toString().contains("sensors[0].interval_s"), type.problems().toString());
    ConfigException field = assertThrows(ConfigException.class, () -> DeviceConfigs.withValue(sim, "uplink.frame_bytes", "1"));
    assertTrue(field.getMessage().startsWith("path uplink.frame_bytes: no field 'frame_bytes' in Uplink; it has broker_uris,"), field.getMessage());
    assertTrue(DeviceConfigs.paths(sim).containsAll(List.of("uplink.batch_window_s", "sensors[pms].interval_s", "alarms[gas.ch4].above")),
        DeviceConfigs.paths(sim).toString());
  }

  @Test
  void schemaListsEveryFieldWithTypeUnitDefaultAndRange() {
    List<String> schema = DeviceConfigs.schema();
    assertTrue(schema.contains("uplink.max_frame_bytes  uint32  unit=bytes  default=1024  range=128..65535  -- largest MQTT payload"), String.join("\n", schema));
    assertTrue(schema.contains("sensors[].interval_s  uint32  unit=s  range=1..86400  required  -- sampling interval"));
    assertTrue(schema.contains("uplink.password  string  secret  -- MQTT password, inline"));
    assertEquals(countFields(DeviceConfig.getDescriptor()), schema.size());
  }

  private static int countFields(com.google.protobuf.Descriptors.Descriptor d) {
    int n = 0;
    for (var f : d.getFields()) {
      n += 1 + (f.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE ? countFields(f.getMessageType()) : 0);
    }
    return n;
  }
}
