package io.mast.runtime.health;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.MessageText;
import io.mast.protocol.Reading;
import io.mast.protocol.Topics;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.seams.ManualScheduler;
import io.mast.store.RingStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthReportTest {
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, ""), new Channel(1, "link.rsrp", "dBm", 0, 300, Channel.Kind.GAUGE, "")));

  @TempDir
  Path dir;

  @Test
  void aReportCarriesTheStoreTheUplinkTheVersionsAndEveryChannel() throws Exception {
    try (ManualScheduler time = new ManualScheduler(); RingStore store = RingStore.builder(dir).scheduler(time).open()) {
      var clock = time.clock(Instant.parse("2026-03-01T12:00:00Z"));
      HealthReport report = new HealthReport(clock, "1.2.3", 7, PROFILE, HealthReport.ModemChannels.NONE);
      store.append(List.of(new Reading(0, 1_772_366_400L, 12)));
      store.append(List.of(new Reading(0, 1_772_366_410L, 13)));
      store.sync();
      store.ack(1);
      time.advance(Duration.ofSeconds(90));
      Uplink.Stats uplink = new Uplink.Stats(Link.State.CONNECTED, "tcp://b:1883", 3, 10, 9, 40, 1, 5_000, 9_000, 850, 1, 0, false, "", 0, 0);
      ControlGate gate = new ControlGate(() -> 0L);
      gate.admit(ControlGate.Topic.CONFIG);
      gate.refused(ControlGate.Topic.CONFIG, "the signature does not verify", "config: a push refused: the signature does not verify", false);
      gate.oversized("m/p/x", 300_000);
      gate.fault("mast-ota", new OutOfMemoryError("Java heap space"));
      String text = MessageText.of(Topics.Kind.HEALTH, report.build(store.stats(), uplink, null, gate));
      for (String field : List.of("uptime_s: 90", "runtime_version: \"1.2.3\"", "config_version: 7", "store_unsent_records: 1",
          "uplink_bytes_today: 5000", "reconnects: 2", "connects: 3", "publishes: 9", "ack_rtt_ms: 850", "modem_reg: -1",
          "store_oldest_unsent_age_s: 80", "channels { } channels { channel: 1 }",
          "control { topic: \"c\" received: 1 refused: 1 last_refusal: \"the signature does not verify\" }",
          "control { topic: \"x\" received: 1 oversized: 1 }", "control { topic: \"o\" }",
          "faults: \"mast-ota: java.lang.OutOfMemoryError: Java heap space\"")) {
        assertTrue(text.contains(field), field + " in " + text);
      }
    }
  }
}
