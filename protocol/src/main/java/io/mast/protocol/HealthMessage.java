package io.mast.protocol;

import io.mast.protocol.internal.pb.ChannelHealth;
import io.mast.protocol.internal.pb.ControlHealth;
import io.mast.protocol.internal.pb.Health;

/**
 * The health heartbeat of a pole (topic {@code h}): uptime and versions, the store, flash wear,
 * the uplink, the modem's link values, per-channel counts, the board. Built field by field; the
 * wire form is {@code mast.v1.Health} (field meanings and units in {@code telemetry.proto}).
 * Not thread safe.
 */
public final class HealthMessage {
  private final Health.Builder b = Health.newBuilder();

  /** Unix seconds when taken, seconds up, the runtime's and the JVM's versions, the config's version. */
  public HealthMessage identity(long time, long uptimeS, String runtimeVersion, String javaVersion, long configVersion) {
    b.setTime(time).setUptimeS(uptimeS).setRuntimeVersion(runtimeVersion).setJavaVersion(javaVersion).setConfigVersion(configVersion);
    return this;
  }

  /** Whether the config in force is confirmed (its ack reached the broker) or still guarded. */
  public HealthMessage configConfirmed(boolean confirmed) {
    b.setConfigConfirmed(confirmed);
    return this;
  }

  /** The ring store: capacity and use in bytes, unsent records and alarms, the oldest unsent one's age, evicted readings. */
  public HealthMessage store(long capacityBytes, long usedBytes, long unsentRecords, long unsentAlarms, long oldestUnsentAgeS,
      long evictedReadings) {
    b.setStoreCapacityBytes(capacityBytes).setStoreUsedBytes(usedBytes).setStoreUnsentRecords(unsentRecords)
        .setStoreUnsentAlarms(unsentAlarms).setStoreOldestUnsentAgeS(oldestUnsentAgeS).setStoreEvictedReadings(evictedReadings);
    return this;
  }

  /** Records found damaged on flash (bit rot) and skipped since start. */
  public HealthMessage corruptRecords(long count) {
    b.setStoreCorruptRecords(count);
    return this;
  }

  /** Bytes written to flash since the start of the UTC day. */
  public HealthMessage flashBytesToday(long bytes) {
    b.setFlashBytesWrittenToday(bytes);
    return this;
  }

  /** The uplink: bytes today, reconnects and connects since start, frames acknowledged, the PUBACK round trip. */
  public HealthMessage uplink(long bytesToday, int reconnects, int connects, long publishes, int ackRttMs) {
    b.setUplinkBytesToday(bytesToday).setReconnects(reconnects).setConnects(connects).setPublishes(publishes).setAckRttMs(ackRttMs);
    return this;
  }

  /** Bad frames, lines and bytes counted and dropped since start. */
  public HealthMessage droppedInputs(long count) {
    b.setDroppedInputs(count);
    return this;
  }

  /** The modem's registration state as the modem reports it (+CEREG), -1 when unknown. */
  public HealthMessage modemRegistration(int reg) {
    b.setModemReg(reg);
    return this;
  }

  /** The modem's last RSRP (dBm), RSRQ and SINR (dB). */
  public HealthMessage modemSignal(Integer rsrpDbm, Integer rsrqDb, Integer sinrDb) {
    if (rsrpDbm != null) {
      b.setRsrpDbm(rsrpDbm);
    }
    if (rsrqDb != null) {
      b.setRsrqDb(rsrqDb);
    }
    if (sinrDb != null) {
      b.setSinrDb(sinrDb);
    }
    return this;
  }

  /** One channel's readings taken and failed since start, evicted unsent, and its latest failure. */
  public HealthMessage channel(int id, long samples, long errors, long evicted, String lastError) {
    b.addChannels(ChannelHealth.newBuilder().setChannel(id).setSamples(samples).setErrors(errors).setEvicted(evicted)
        .setLastError(lastError == null ? "" : lastError));
    return this;
  }

  /**
   * What arrived on one control topic ({@code topic}, its suffix) since start: messages, refused,
   * dropped before verification, emptied for being over the inbound cap, and the latest refusal.
   */
  public HealthMessage control(String topic, long received, long refused, long dropped, long oversized, String lastRefusal) {
    b.addControl(ControlHealth.newBuilder().setTopic(topic).setReceived(received).setRefused(refused).setDropped(dropped)
        .setOversized(oversized).setLastRefusal(lastRefusal == null ? "" : lastRefusal));
    return this;
  }

  /** An error that stopped a piece of an agent's work, e.g. {@code "mast-ota: java.lang.OutOfMemoryError: Java heap space"}. */
  public HealthMessage fault(String fault) {
    b.addFaults(fault);
    return this;
  }

  /** The board: heap in use, and the CPU's temperature in milli-degrees Celsius where there is a sensor. */
  public HealthMessage board(long heapUsedBytes, Integer cpuTempMilliDegC) {
    b.setHeapUsedBytes(heapUsedBytes);
    if (cpuTempMilliDegC != null) {
      b.setCpuTempMdegC(cpuTempMilliDegC);
    }
    return this;
  }

  public byte[] toBytes() {
    return b.build().toByteArray();
  }
}
