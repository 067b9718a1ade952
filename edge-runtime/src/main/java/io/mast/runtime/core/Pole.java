package io.mast.runtime.core;

import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlRefusedException;
import io.mast.runtime.sampling.LiveSensors;
import io.mast.runtime.sampling.Sampler;
import io.mast.runtime.uplink.Link;
import io.mast.runtime.uplink.Uplink;
import io.mast.seams.PoleThreads;
import io.mast.store.StoreStats;
import java.io.IOException;
import java.util.List;

/**
 * The port the runtime's core offers its agents (the config agent, the console, the OTA agent):
 * the pole's identity, its {@link Link} to the platform, the config in force and a way to apply
 * one, its sensors, a restart, and the facts health and status show. Agents hold this and never
 * the core or the composition that made them, so the core can be built, tested and run many
 * times in one JVM without them, and an agent's change cannot reach into the core's parts.
 *
 * <p>Thread-safe: every method may be called from an agent's own thread.
 */
public interface Pole {
  /** What a config change did: the paths that changed, and what holds but is not well (a sensor whose device did not open). */
  record Applied(List<String> changed, List<String> warnings) {}

  /** A snapshot for the status line and for health facts. */
  record Snapshot(long stored, long framesSent, long framesAcked, long readingsAcked, long alarms,
      long bytesOnWire, Link.State link, String broker, long unacked) {}

  /** The device id the pole goes by on the wire (its topics, the audience of signed messages). */
  String deviceId();

  /** The version of Mast running. */
  String version();

  /** The effective config in force. */
  DeviceConfig config();

  /**
   * Applies {@code next} (valid, its version checked by the caller) to the running parts.
   *
   * @throws ControlRefusedException naming every change that cannot be made live; nothing changed
   * @throws IOException if staging or writing the profile history failed; the config in force stays
   */
  Applied apply(DeviceConfig next) throws ControlRefusedException, IOException;

  /** Marks the config in force confirmed (its acknowledgement reached the broker) or not; health and status say which. */
  void confirmed(boolean yes);

  /** The MQTT connection: publish, subscribe, its state. */
  Link link();

  /** The profile in force (the newest). */
  ChannelProfile profile();

  /** The sampler in force, or null when this run replays a dataset. */
  Sampler sampler();

  /** The sensors of this run (their drivers, for reads by hand), or null when it replays a dataset. */
  LiveSensors sensors();

  /** Asks whoever runs the pole to restart it, saying why. */
  void requestRestart(String why);

  /** Milliseconds since start. */
  long uptimeMillis();

  /** The uplink's figures now. */
  Uplink.Stats uplinkStats();

  /** The ring store's figures now. */
  StoreStats storeStats() throws IOException;

  /** Readings, frames and acknowledgements so far. */
  Snapshot snapshot() throws IOException;

  /**
   * What the pole lets in on its control topics: the agents admit, count and refuse messages
   * through it (a budget on signature checks, one log line per reason a minute), and report an
   * error that stopped their work; health and the watchdog read it.
   */
  io.mast.runtime.health.ControlGate gate();

  /** The threads the pole's work runs on (its own, or shared with other poles in this JVM): agents take their queues from it. */
  PoleThreads threads();

  /**
   * The file layer the pole keeps its state through (its own files, or descriptors pooled with
   * other poles in this JVM): agents open their state files with it.
   */
  default io.mast.seams.DurableFiles files() {
    return io.mast.seams.DurableFiles.real();
  }
}
