package io.mast.runtime.health;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.internal.pb.ChannelHealth;
import io.mast.protocol.internal.pb.Health;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.store.LaneStats;
import io.mast.runtime.store.StoreStats;
import io.mast.runtime.uplink.Uplink;
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
 * values as last sampled, per-channel good and failed readings, heap and CPU temperature.
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
  private final long configVersion;
  private final ChannelProfile profile;
  private final ModemChannels modem;
  private LocalDate day;
  private long flashAtDayStart = -1;

  public HealthReport(Clock clock, String version, long configVersion, ChannelProfile profile, ModemChannels modem) {
    this.clock = clock;
    this.startMillis = clock.millis();
    this.version = version;
    this.configVersion = configVersion;
    this.profile = profile;
    this.modem = modem;
  }

  /** A report as of now; {@code sampler} is null when readings come from a replay. */
  public Health build(StoreStats store, Uplink.Stats uplink, Sampler sampler) {
    long now = clock.millis();
    LaneStats r = store.readings();
    LaneStats a = store.alarms();
    long flash = r.bytesWritten() + a.bytesWritten();
    LocalDate today = LocalDate.ofEpochDay(Math.floorDiv(now, 86_400_000L));
    if (!today.equals(day) || flashAtDayStart < 0) {
      day = today;
      flashAtDayStart = flash;
    }
    Health.Builder h = Health.newBuilder()
        .setTime(now / 1000)
        .setUptimeS((now - startMillis) / 1000)
        .setRuntimeVersion(version)
        .setJavaVersion(System.getProperty("java.version", ""))
        .setConfigVersion(configVersion)
        .setStoreCapacityBytes(r.capacityBytes())
        .setStoreUsedBytes(r.usedBytes())
        .setStoreUnsentRecords(r.unackedRecords())
        .setStoreUnsentAlarms(a.unackedRecords())
        .setStoreOldestUnsentAgeS(r.oldestUnackedTime() < 0 ? 0 : Math.max(0, now / 1000 - r.oldestUnackedTime()))
        .setStoreEvictedReadings(r.evictedTotal())
        .setFlashBytesWrittenToday(flash - flashAtDayStart)
        .setUplinkBytesToday(uplink.bytesToday())
        .setReconnects(Math.max(0, uplink.connects() - 1))
        .setConnects(uplink.connects())
        .setPublishes(uplink.framesAcked())
        .setAckRttMs(uplink.ackRttMillis())
        .setDroppedInputs(uplink.droppedRecords() + r.corruptRecords())
        .setHeapUsedBytes(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory())
        .setModemReg(-1);
    if (sampler != null) {
      if (modem.reg() >= 0 && sampler.ok(modem.reg()) > 0) {
        h.setModemReg((int) sampler.last(modem.reg()));
      }
      if (modem.rsrp() >= 0) {
        h.setRsrpDbm((int) sampler.last(modem.rsrp()));
      }
      if (modem.rsrq() >= 0) {
        h.setRsrqDb((int) sampler.last(modem.rsrq()));
      }
      if (modem.sinr() >= 0) {
        h.setSinrDb((int) sampler.last(modem.sinr()));
      }
    }
    Map<Integer, Long> evicted = r.evicted();
    for (var c : profile.channels()) {
      ChannelHealth.Builder ch = ChannelHealth.newBuilder().setChannel(c.id()).setEvicted(evicted.getOrDefault(c.id(), 0L));
      if (sampler != null) {
        ch.setSamples(sampler.ok(c.id())).setErrors(sampler.errors(c.id())).setLastError(sampler.lastError(c.id()));
      }
      h.addChannels(ch);
    }
    cpuTemperature().ifPresent(h::setCpuTempMdegC);
    return h.build();
  }

  private static java.util.Optional<Integer> cpuTemperature() {
    try {
      return java.util.Optional.of(Integer.parseInt(Files.readString(THERMAL).trim()));
    } catch (IOException | NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

}
