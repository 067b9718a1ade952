package io.mast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.AlarmRule;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Meter;
import io.mast.config.model.MeterType;
import io.mast.config.model.Sensor;
import io.mast.config.model.TrustedKey;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Every rule, each with a config broken in exactly one way and the exact message expected. */
class ValidationTest {
  private static List<String> problems(UnaryOperator<DeviceConfig.Builder> breakIt) throws Exception {
    return problems(breakIt, Validation.Mode.DRY_RUN);
  }

  private static List<String> problems(UnaryOperator<DeviceConfig.Builder> breakIt, Validation.Mode mode) throws Exception {
    DeviceConfig config = breakIt.apply(Examples.sim().toBuilder()).build();
    return DeviceConfigs.validate(config, mode).stream().map(Problem::toString).toList();
  }

  private static UnaryOperator<DeviceConfig.Builder> sensor(int i, UnaryOperator<Sensor.Builder> change) {
    return b -> b.setSensors(i, change.apply(b.getSensors(i).toBuilder()));
  }

  @Test
  void bothExamplesAreValid() throws Exception {
    assertEquals(List.of(), problems(b -> b));
    DeviceConfig rpi = DeviceConfigs.parseJson(Examples.json("rpi-pole.json"));
    assertTrue(DeviceConfigs.validate(rpi, Validation.Mode.DRY_RUN).stream().noneMatch(Problem::isError));
  }

  @Test
  void intervalBelowOneIsRefused() throws Exception {
    assertEquals(List.of("sensors[3].interval_s: 0 is below the minimum 1"), problems(sensor(3, s -> s.setIntervalS(0))));
  }

  @Test
  void intervalAboveADayIsRefused() throws Exception {
    assertEquals(List.of("sensors[0].interval_s: 86401 is above the maximum 86400"), problems(sensor(0, s -> s.setIntervalS(86_401))));
  }

  @Test
  void duplicateSensorIdsAndChannelsAreRefused() throws Exception {
    assertEquals(List.of("sensors[2].id: 'pms' is already used by sensors[0]"), problems(sensor(2, s -> s.setId("pms"))));
    assertEquals(List.of("sensors[2].channel: 'air.pm25' is already used by sensors[0]"), problems(sensor(2, s -> s.setChannel("air.pm25"))));
  }

  @Test
  void missingOrUnknownDriverIsRefusedWithTheKnownOnes() throws Exception {
    String known = "pulse_meter, modbus_rtu, pms5003, mhz19, mbus, modem, cjt188, dlt645";
    assertEquals(List.of("sensors[1].driver: 0 is not one of " + known), problems(sensor(1, s -> s.setDriver(DriverKind.DRIVER_KIND_UNSPECIFIED))));
    assertEquals(List.of("sensors[1].driver: 42 is not one of " + known), problems(sensor(1, s -> s.setDriverValue(42))));
  }

  @Test
  void unknownDriverNameInJsonIsAParseError() throws Exception {
    String json = Examples.json("sim-pole.json").replace("\"driver\": \"MHZ19\"", "\"driver\": \"SDS011\"");
    ConfigException e = assertThrows(ConfigException.class, () -> DeviceConfigs.parseJson(json));
    assertEquals(List.of("sensors[2].driver: \"SDS011\" is not one of pulse_meter, modbus_rtu, pms5003, mhz19, mbus, modem, cjt188, dlt645 (in any case)"),
        e.problems().stream().map(Problem::toString).toList());
  }

  @Test
  void unknownFieldsAreAnErrorNotDropped() throws Exception {
    String json = Examples.json("sim-pole.json").replace("\"site\": \"simulated board\"", "\"site\": \"simulated board\", \"colour\": \"green\"");
    ConfigException e = assertThrows(ConfigException.class, () -> DeviceConfigs.parseJson(json));
    assertEquals(List.of("identity.colour: no such field in identity; the fields are device_id, site, latitude_e6, longitude_e6, groups"),
        e.problems().stream().map(Problem::toString).toList());
  }

  @Test
  void aGpioPinClaimedTwiceIsRefused() throws Exception {
    assertEquals(List.of("sensors[7].gpio_pin: 17 is already claimed by sensors[6]"), problems(sensor(7, s -> s.setGpioPin(17))));
  }

  @Test
  void aPulseMeterNeedsAPin() throws Exception {
    assertEquals(List.of("sensors[6].gpio_pin: is required for a pulse_meter"), problems(sensor(6, Sensor.Builder::clearGpioPin)));
  }

  @Test
  void aSerialPortCarriesOneKindOfDriver() throws Exception {
    assertEquals(List.of("sensors[2].bus: sim:pms5003 is already claimed by sensors[0] (pms5003)"), problems(sensor(2, s -> s.setBus("sim:pms5003"))));
    assertEquals(List.of("sensors[2].bus: sim:console is already claimed by console.serial_port (console)"), problems(sensor(2, s -> s.setBus("sim:console"))));
  }

  @Test
  void theSameValueOfTheSameDeviceIsReadOnce() throws Exception {
    assertEquals(List.of("sensors[1]: pm2_5 on sim:pms5003 is already read by sensors[0]"), problems(sensor(1, s -> s.setQuantity("pm2_5"))));
    assertEquals(List.of("sensors[4]: slave 1 register 0 on sim:rs485 is already read by sensors[3]"),
        problems(sensor(4, s -> s.setRegister(s.getRegister().toBuilder().setRegister(0)))));
  }

  @Test
  void modbusNeedsASlaveIdAndARegister() throws Exception {
    assertEquals(List.of("sensors[5].address: 248 is not a Modbus slave id 1..247"), problems(sensor(5, s -> s.setAddress(248))));
    assertEquals(List.of("sensors[5].register: is required for a modbus_rtu sensor"), problems(sensor(5, Sensor.Builder::clearRegister)));
  }

  @Test
  void aQuantityMustBeOneTheDriverDelivers() throws Exception {
    assertEquals(List.of("sensors[0].quantity: 'pm4' is not one of pm10, pm1_0, pm2_5 for pms5003"), problems(sensor(0, s -> s.setQuantity("pm4"))));
  }

  @Test
  void aMeterNeedsItsAddressInTheFormOfItsStandard() throws Exception {
    assertEquals(List.of("sensors[9].meter: is required for a cjt188 sensor: {\"address\": \"12345678901234\"}"),
        problems(sensor(9, Sensor.Builder::clearMeter)));
    assertEquals(List.of("sensors[13].meter.address: '2025000001' is not a dlt645 address: 12 digits as on the nameplate,"
        + " each pair 00..99 or AA for any meter"), problems(sensor(13, s -> s.setMeter(Meter.newBuilder().setAddress("2025000001")))));
    assertEquals(List.of("sensors[12].meter.address: is required"), problems(sensor(12, s -> s.setMeter(Meter.newBuilder().setType(MeterType.GAS)))));
  }

  @Test
  void aMeterDeliversOnlyItsStandardsQuantitiesInTheirUnits() throws Exception {
    assertEquals(List.of("sensors[9].unit: 'm3' is not a unit of cjt188 heat: use one of GJ, J, MJ, MWh, Wh, kJ, kWh",
        "sensors[9].quantity: 'heat' is read from heat and cooling meters only; this meter is COLD_WATER (set meter.type HEAT or COOLING)"),
        problems(sensor(9, s -> s.setQuantity("heat"))));
    assertEquals(List.of("sensors[15].quantity: 'voltage_d' is not one of cover_opened, current_a, current_b, current_c, energy,"
        + " energy_forward, energy_reverse, energy_t1, energy_t2, energy_t3, energy_t4, power, power_a, power_b, power_c, voltage_a,"
        + " voltage_b, voltage_c for dlt645"), problems(sensor(15, s -> s.setQuantity("voltage_d"))));
    assertEquals(List.of("sensors[14].unit: 'kWh' is not a unit of dlt645 power: use one of MW, W, kW"),
        problems(sensor(14, s -> s.setUnit("kWh"))));
    assertEquals(List.of("sensors[11].meter.tamper_bit: is required by quantity tamper: the status bit the meter's maker uses (see its manual)"),
        problems(sensor(11, s -> s.setQuantity("tamper"))));
  }

  @Test
  void meterTypesTamperBitsAndWildcardsFollowTheBus() throws Exception {
    assertEquals(List.of("sensors[13].meter.type: GAS is a CJ/T 188 meter type; a dlt645 meter has none"),
        problems(sensor(13, s -> s.setMeter(s.getMeter().toBuilder().setType(MeterType.GAS)))));
    assertEquals(List.of("sensors[10].meter.type: HEAT but another sensor reads meter 20250000000101 as COLD_WATER"),
        problems(sensor(10, s -> s.setMeter(s.getMeter().toBuilder().setType(MeterType.HEAT)))));
    assertEquals(List.of("sensors[12].meter.address: the wildcard address AAAAAAAAAAAAAA (sensors[9]) reaches whichever meter answers,"
        + " so it must be the only meter on sim:meters; give each meter its own address"),
        problems(b -> sensor(9, s -> s.setMeter(Meter.newBuilder().setAddress("aaaaaaaaaaaaaa")))
            .apply(sensor(10, s -> s.setBus("sim:valve")).apply(sensor(11, s -> s.setBus("sim:battery")).apply(b)))));
    assertEquals(List.of("sensors[14]: meter 000012345678 energy on sim:dlt645 is already read by sensors[13]"),
        problems(sensor(14, s -> s.setQuantity("energy").setUnit("kWh"))));
  }

  @Test
  void serialDriversNeedABus() throws Exception {
    assertEquals(List.of("sensors[2].bus: is required for a mhz19 sensor (a serial port such as /dev/ttyUSB0)"), problems(sensor(2, Sensor.Builder::clearBus)));
  }

  @Test
  void frameSizeMustBe128To65535() throws Exception {
    assertEquals(List.of("uplink.max_frame_bytes: 100 is below the minimum 128"), problems(b -> b.setUplink(b.getUplink().toBuilder().setMaxFrameBytes(100))));
    assertEquals(List.of("uplink.max_frame_bytes: 70000 is above the maximum 65535"), problems(b -> b.setUplink(b.getUplink().toBuilder().setMaxFrameBytes(70_000))));
  }

  @Test
  void keepaliveAndCapacityAndSyncIntervalHaveRanges() throws Exception {
    assertEquals(List.of("uplink.keepalive_s: 5 is below the minimum 10"), problems(b -> b.setUplink(b.getUplink().toBuilder().setKeepaliveS(5))));
    assertEquals(List.of("store.capacity_bytes: 1000 is below the minimum 1048576"), problems(b -> b.setStore(b.getStore().toBuilder().setCapacityBytes(1000))));
    assertEquals(List.of("store.sync_interval_ms: 120000 is above the maximum 60000"), problems(b -> b.setStore(b.getStore().toBuilder().setSyncIntervalMs(120_000))));
  }

  @Test
  void brokerUrisMustParseWithAKnownSchemeAHostAndAPortInRange() throws Exception {
    assertEquals(List.of("uplink.broker_uris[0]: \"http://broker:1883\" has the scheme http; the scheme must be tcp or ssl"),
        broker("http://broker:1883"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://bro ker\" is not a URI (Illegal character in authority);"
        + " a broker URI is like tcp://broker.example:1883"), broker("tcp://bro ker"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://broker:99999\" has the port 99999; a port is 1..65535"), broker("tcp://broker:99999"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://broker:0\" has the port 0; a port is 1..65535"), broker("tcp://broker:0"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://\" is not a URI (Expected authority); a broker URI is like tcp://broker.example:1883"),
        broker("tcp://"));
    assertEquals(List.of("uplink.broker_uris[0]: \"broker:1883\" has the scheme broker; the scheme must be tcp or ssl"), broker("broker:1883"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://u:secret@broker\" carries a user or password; give them as uplink.username and uplink.password_file"),
        broker("tcp://u:secret@broker"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://broker/mqtt\" has a path (/mqtt); a broker URI ends after the port"), broker("tcp://broker/mqtt"));
    assertEquals(List.of("uplink.broker_uris[0]: \"tcp://\\u001b[2Jbroker\" is not a URI (Illegal character in authority);"
        + " a broker URI is like tcp://broker.example:1883"), broker("tcp://\u001b[2Jbroker"));
    assertEquals(List.of("uplink.broker_uris[0]: \"wss://broker.example/mqtt\" is MQTT over WebSocket, which the uplink does not take"
        + " (it cannot check a WebSocket frame before the client allocates it); use tcp:// or ssl://"), broker("wss://broker.example/mqtt"));
    assertEquals(List.of(), broker("ssl://[::1]:8883"));
    assertEquals(List.of("uplink.broker_uris: needs at least one entry"), problems(b -> b.setUplink(b.getUplink().toBuilder().clearBrokerUris())));
  }

  @Test
  void aHugeOrHostileValueIsEchoedCutAndEscaped() throws Exception {
    String huge = "x".repeat(1_000_000);
    List<String> id = problems(b -> b.setIdentity(b.getIdentity().toBuilder().setDeviceId(huge)));
    assertEquals(List.of("identity.device_id: '" + "x".repeat(60) + "... (1000000 characters)' is not allowed: use 1 to 64 letters, digits,"
        + " '.', '_' or '-'"), id);
    List<String> prefix = problems(b -> b.setUplink(b.getUplink().toBuilder().setTopicPrefix(huge)));
    assertEquals(List.of("uplink.topic_prefix: is 1000000 characters; at most 128 (every publish pays for its topic on the air)"), prefix);
    List<String> file = problems(b -> b.setUplink(b.getUplink().toBuilder().setPasswordFile("/etc/mast/pass\u0000word")));
    assertEquals(List.of("uplink.password_file: '/etc/mast/pass\\u0000word' is not a path"), file);
    assertTrue(problems(b -> b.setUplink(b.getUplink().toBuilder().setTlsCaFile("/no/" + huge))).stream().allMatch(p -> p.length() < 200));
  }

  private List<String> broker(String uri) throws Exception {
    return problems(b -> b.setUplink(b.getUplink().toBuilder().setBrokerUris(0, uri)));
  }

  @Test
  void tlsFilesMissingHereAreWarningsInADryRunAndErrorsOnTheDevice() throws Exception {
    UnaryOperator<DeviceConfig.Builder> tls = b -> b.setUplink(b.getUplink().toBuilder().setTlsCaFile("/nonexistent/ca.pem"));
    assertEquals(List.of("warning: uplink.tls_ca_file: /nonexistent/ca.pem does not exist on this machine"), problems(tls));
    assertEquals(List.of("uplink.tls_ca_file: /nonexistent/ca.pem does not exist on this machine"), problems(tls, Validation.Mode.DEVICE));
  }

  @Test
  void passwordTwiceAndCertificateWithoutKeyAreRefused() throws Exception {
    assertEquals(List.of("uplink.password: give password or password_file, not both", "warning: uplink.password_file: /nonexistent does not exist on this machine"),
        problems(b -> b.setUplink(b.getUplink().toBuilder().setPassword("x").setPasswordFile("/nonexistent"))));
    assertEquals(List.of("uplink.tls_key_file: is required when tls_cert_file is set", "warning: uplink.tls_cert_file: /nonexistent does not exist on this machine"),
        problems(b -> b.setUplink(b.getUplink().toBuilder().setTlsCertFile("/nonexistent"))));
  }

  @Test
  void topicPrefixMustNameTheDeviceOnce() throws Exception {
    assertEquals(List.of("uplink.topic_prefix: topic prefix 'm/' must contain {device} once and end with /"),
        problems(b -> b.setUplink(b.getUplink().toBuilder().setTopicPrefix("m/"))));
  }

  @Test
  void alarmRulesMustNameAChannelAndAThreshold() throws Exception {
    assertEquals(List.of("alarms[0].channel: 'air.pm1' is not the channel of any sensor"),
        problems(b -> b.setAlarms(0, b.getAlarms(0).toBuilder().setChannel("air.pm1"))));
    assertEquals(List.of("alarms[1]: needs a threshold: above, below or both"),
        problems(b -> b.setAlarms(1, AlarmRule.newBuilder().setChannel("gas.ch4"))));
    assertEquals(List.of("alarms[1].below: 2000 must be below above 1000"),
        problems(b -> b.setAlarms(1, b.getAlarms(1).toBuilder().setBelow(2000))));
  }

  @Test
  void deviceIdMustBeOneTopicLevel() throws Exception {
    assertEquals(List.of("identity.device_id: 'pole/17' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'"),
        problems(b -> b.setIdentity(b.getIdentity().toBuilder().setDeviceId("pole/17"))));
    assertEquals(List.of("identity.device_id: is required"), problems(b -> b.setIdentity(b.getIdentity().toBuilder().clearDeviceId())));
    assertEquals(List.of("identity: is required"), problems(DeviceConfig.Builder::clearIdentity));
  }

  @Test
  void groupsAreTopicLevelsListedOnceAndFew() throws Exception {
    assertEquals(List.of("identity.groups[1]: 'a/b' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-'",
        "identity.groups[2]: 'north' is listed twice"),
        problems(b -> b.setIdentity(b.getIdentity().toBuilder().addGroups("north").addGroups("a/b").addGroups("north"))));
    List<String> seventeen = java.util.stream.IntStream.range(0, 17).mapToObj(i -> "g" + i).toList();
    assertEquals(List.of("identity.groups: 17 groups; a pole belongs to at most 16"),
        problems(b -> b.setIdentity(b.getIdentity().toBuilder().addAllGroups(seventeen))));
  }

  @Test
  void trustedKeysMustBe32BytesWithUniqueIds() throws Exception {
    assertEquals(List.of("trust.keys[0].ed25519_public: 31 bytes; an Ed25519 public key is 32"),
        problems(b -> b.setTrust(b.getTrust().toBuilder().setKeys(0, TrustedKey.newBuilder().setKeyId("k")
            .setEd25519Public(com.google.protobuf.ByteString.copyFrom(new byte[31]))))));
    assertEquals(List.of("trust.keys[0].ed25519_public: is required"),
        problems(b -> b.setTrust(b.getTrust().toBuilder().setKeys(0, TrustedKey.newBuilder().setKeyId("k")))));
    assertEquals(List.of("trust.keys[1].key_id: 'platform-2026' is already used by trust.keys[0]"),
        problems(b -> b.setTrust(b.getTrust().toBuilder().addKeys(b.getTrust().getKeys(0)))));
  }

  @Test
  void versionZeroIsRefused() throws Exception {
    assertEquals(List.of("version: 0 is below the minimum 1"), problems(DeviceConfig.Builder::clearVersion));
  }

  @Test
  void everyProblemIsReportedAtOnce() throws Exception {
    List<String> all = problems(b -> sensor(3, s -> s.setIntervalS(0)).apply(b)
        .setUplink(b.getUplink().toBuilder().setKeepaliveS(5).setBrokerUris(0, "mqtt://x"))
        .setAlarms(0, b.getAlarms(0).toBuilder().setChannel("nope")));
    assertEquals(List.of(
        "sensors[3].interval_s: 0 is below the minimum 1",
        "uplink.keepalive_s: 5 is below the minimum 10",
        "uplink.broker_uris[0]: \"mqtt://x\" has the scheme mqtt; the scheme must be tcp or ssl",
        "alarms[0].channel: 'nope' is not the channel of any sensor"), all);
  }
}
