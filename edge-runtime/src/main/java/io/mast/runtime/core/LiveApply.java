package io.mast.runtime.core;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.ControlRefusedException;
import io.mast.runtime.alarm.AlarmRules;
import io.mast.runtime.sampling.Ingest;
import io.mast.runtime.sampling.LiveSensors;
import io.mast.runtime.uplink.ProfileHistory;
import io.mast.runtime.uplink.Uplink;
import io.mast.runtime.uplink.UplinkSettings;
import io.mast.store.RingStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;

/**
 * What a new config changes in the running parts, in this order: what cannot change while Mast
 * runs is refused whole before anything changes (device id, store directory and capacity,
 * maximum frame size, board, the sensors of a replay: {@link LiveChanges}); the new uplink
 * settings are staged (TLS and password files read); then the sensors whose device changed
 * restart, with a frame cut and a new profile when the channels changed (records taken before it
 * are still sent under the old one: {@link ProfileHistory}); the alarm rules swap at once; the
 * group commit interval; the config is in force; the batch window and heartbeat take their new
 * values; the uplink reconnects when its settings changed, or takes new limits without a new
 * connection. One apply at a time: the core calls it under its own lock.
 */
final class LiveApply {
  /** Where the config and brokers in force are kept; called once the parts that sample have changed. */
  interface InForce {
    void set(DeviceConfig config, List<String> brokers);
  }

  /** Records a new profile from the given store positions on. */
  interface NewProfile {
    void add(long fromRecord, long fromAlarm, ChannelProfile profile) throws IOException;
  }

  private final String deviceId;
  private final boolean replay;
  private final RingStore store;
  private final ProfileHistory profiles;
  private final Ingest ingest;
  private final LiveSensors sensors;
  private final Uplink uplink;
  private final Windows windows;
  private final NewProfile newProfile;
  private final List<String> startUris;
  private final List<String> startBrokers;

  /**
   * @param startUris the {@code uplink.broker_uris} of the config in force at start
   * @param startBrokers the brokers of {@code --broker} that stand for them (empty: the config's own)
   */
  LiveApply(String deviceId, boolean replay, RingStore store, ProfileHistory profiles, Ingest ingest, LiveSensors sensors,
      Uplink uplink, Windows windows, NewProfile newProfile, List<String> startUris, List<String> startBrokers) {
    this.startUris = List.copyOf(startUris);
    this.startBrokers = List.copyOf(startBrokers);
    this.deviceId = deviceId;
    this.replay = replay;
    this.store = store;
    this.profiles = profiles;
    this.ingest = ingest;
    this.sensors = sensors;
    this.uplink = uplink;
    this.windows = windows;
    this.newProfile = newProfile;
  }

  /**
   * Changes the running parts from {@code before} to {@code next}, in the order of the class
   * comment; the brokers in force after it are {@code --broker}'s while {@code next} names the
   * brokers of the config the pole started with, else its own.
   *
   * @throws ControlRefusedException naming every change that cannot be made live; nothing changed
   * @throws IOException if staging (TLS, password files) or writing the profile history failed;
   *     the sensors sample on under the config in force
   */
  Pole.Applied apply(DeviceConfig before, DeviceConfig next, InForce inForce)
      throws ControlRefusedException, IOException {
    DeviceConfig after = DeviceConfigs.effective(next);
    List<String> refused = LiveChanges.refusals(before, after, replay);
    if (!refused.isEmpty()) {
      throw new ControlRefusedException(refused);
    }
    List<String> changed = new ArrayList<>();
    DeviceConfigs.diff(before, after).forEach(ch -> {
      if (!ch.path().equals("version")) {
        changed.add(ch.path());
      }
    });
    // --broker stands for the brokers of the config the pole started with: a config naming others
    // takes them over, and one naming those again (a revert, a later push) gives --broker back
    List<String> nextBrokers = after.getUplink().getBrokerUrisList().equals(startUris) ? startBrokers : List.of();
    UplinkSettings staged = LiveChanges.uplinkChanged(before, after) ? UplinkSettings.of(after, deviceId, nextBrokers) : null;
    List<String> warnings = new ArrayList<>();
    ChannelProfile profile = profiles.current();
    ChannelProfile nextProfile = replay ? profile : Channels.profileOf(after);
    AlarmRules rules = new AlarmRules(after.getAlarmsList(), nextProfile);
    if (!before.getSensorsList().equals(after.getSensorsList())) {
      LiveSensors.Boundary boundary = nextProfile.equals(profile) ? () -> ingest.rules(rules)
          : () -> ingest.newProfile((r, a) -> newProfile.add(r, a, nextProfile), rules);
      warnings.addAll(sensors.change(after, nextProfile, boundary, PoleCore.OPEN_WAIT));
    } else if (!before.getAlarmsList().equals(after.getAlarmsList())) {
      ingest.rules(rules);
    }
    store.syncInterval(Duration.ofMillis(after.getStore().getSyncIntervalMs()));
    inForce.set(after, nextBrokers);
    if (before.getUplink().getBatchWindowS() != after.getUplink().getBatchWindowS()
        || before.getUplink().getHealthIntervalS() != after.getUplink().getHealthIntervalS()) {
      windows.schedule(after, false);
    }
    if (!nextProfile.equals(profile)) {
      uplink.profileChanged();
    }
    if (staged != null) {
      waitFor(uplink.reconfigure(staged), "the uplink to take the new settings");
    } else if (LiveChanges.uplinkLimitsChanged(before, after)) {
      uplink.limits(after.getUplink().getDailyByteBudget(), after.getUplink().getBandwidthBytesPerS()); // no new connection for that
    }
    return new Pole.Applied(changed, warnings);
  }

  /** Waits (bounded) for a step of an apply, so what follows it sees it done. */
  private static void waitFor(CompletableFuture<Void> step, String what) {
    try {
      step.get(15, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      Logger.warn("runtime: waited 15 s for {}; going on", what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
