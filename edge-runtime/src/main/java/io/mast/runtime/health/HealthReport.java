package io.mast.runtime.health;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.HealthMessage;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Uplink;
import io.mast.store.LaneStats;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Map;

/**
 * The health heartbeat ({@code mast.v1.Health}, topic {@code h}): uptime and versions, the store
 * (used, unsent, oldest unsent age, evicted per channel, flash bytes written today), the uplink
 * (connects, acknowledged frames, bytes today, acknowledgement round trip), the modem's link
 * values as last sampled, per-channel good and failed readings, heap and CPU temperature, what
 * arrived on each control topic and what became of it, and errors that stopped an agent's work.
 *
 * <p>Flash bytes "today" are counted from the first report of the UTC day (or from start), as
 * the difference of the store's bytes written since open. Not thread safe; the timer thread
 * builds reports.
 */
public final class HealthReport {
  /** Channel ids of the modem's link values in the profile, -1 where there is none. */
  public record ModemChannels(int reg, int rsrp, int rsrq, int sinr) {
    public static final ModemChannels NONE = new ModemChannels(-1, -1, -1, -1);
  }

  private static final Path THERMAL = Path.of("/sys/class/thermal/thermal_zone0/temp");

  private final Clock clock;
  private final long startMillis;
  private final String version;
  /** What the report says of the config, replaced whole when the config changes or is confirmed. */
  private record Config(long version, boolean confirmed, ChannelProfile profile, ModemChannels modem) {}

  private volatile Config config;
  private LocalDate day;
  private long flashAtDayStart = -1;

  public HealthReport(Clock clock, String version, long configVersion, ChannelProfile profile, ModemChannels modem) {
    this.clock = clock;
    this.startMillis = clock.millis();
    this.version = version;
    this.config = new Config(configVersion, true, profile, modem);
  }

  /** The config in force from now on: its version, whether it is confirmed, its channels. Any thread. */
  public void config(long version, boolean confirmed, ChannelProfile profile, ModemChannels modem) {
    this.config = new Config(version, confirmed, profile, modem);
  }

  /** A report as of now, as its wire bytes; {@code sampler} is null when readings come from a replay. */
  public byte[] build(StoreStats store, Uplink.Stats uplink, Sampler sampler, ControlGate gate) {
    long now = clock.millis();
    Config held = config;
    ChannelProfile profile = held.profile();
    ModemChannels modem = held.modem();
    LaneStats r = store.readings();
    LaneStats a = store.alarms();
    long flash = r.bytesWritten() + a.bytesWritten();
    LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(now, 86_400_000L));
    if (!today.equals(day) || flashAtDayStart < 0) {
      day = today;
      flashAtDayStart = flash;
    }
    HealthMessage h = new HealthMessage()
        .identity(now / 1000, (now - startMillis) / 1000, version, System.getProperty("java.version", ""), held.version())
        .configConfirmed(held.confirmed())
        .store(r.capacityBytes(), r.usedBytes(), r.unackedRecords(), a.unackedRecords(),
            r.oldestUnackedTime() < 0 ? 0 : Math.max(0, now / 1000 - r.oldestUnackedTime()), r.evictedTotal())
        .flashBytesToday(flash - flashAtDayStart)
        .corruptRecords(r.corruptRecords() + a.corruptRecords())
        .uplink(uplink.bytesToday(), Math.max(0, uplink.connects() - 1), uplink.connects(), uplink.framesAcked(), uplink.ackRttMillis())
        .droppedInputs(uplink.droppedRecords() + r.corruptRecords())
        .board(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory(), cpuTemperature().orElse(null))
        .modemRegistration(sampler != null && modem.reg() >= 0 && sampler.ok(modem.reg()) > 0 ? (int) sampler.last(modem.reg()) : -1);
    if (sampler != null) {
      h.modemSignal(last(sampler, modem.rsrp()), last(sampler, modem.rsrq()), last(sampler, modem.sinr()));
    }
    Map<Integer, Long> evicted = r.evicted();
    for (var c : profile.channels()) {
      long kept = evicted.getOrDefault(c.id(), 0L);
      if (sampler != null) {
        h.channel(c.id(), sampler.ok(c.id()), sampler.errors(c.id()), kept, sampler.lastError(c.id()));
      } else {
        h.channel(c.id(), 0, 0, kept, "");
      }
    }
    for (ControlGate.Counts k : gate.counts()) {
      h.control(k.topic().suffix(), k.received(), k.refused(), k.dropped(), k.oversized(), k.lastRefusal());
    }
    gate.faults().forEach(h::fault);
    return h.toBytes();
  }

  private static Integer last(Sampler sampler, int channel) {
    return channel >= 0 ? (int) sampler.last(channel) : null;
  }

  private static java.util.Optional<Integer> cpuTemperature() {
    try {
      return java.util.Optional.of(Integer.parseInt(Files.readString(THERMAL).trim()));
    } catch (IOException | NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

}
