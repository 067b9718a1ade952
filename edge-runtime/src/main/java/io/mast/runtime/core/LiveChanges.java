package io.mast.runtime.core;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Uplink;
import java.util.ArrayList;
import java.util.List;

/**
 * Which differences between two effective configs the running pole can take, and which it must
 * refuse rather than half-apply. Stateless.
 *
 * <p>Refused, each with why and what to do instead: the device id (it names the pole's topics,
 * its client id and the records already stored), the store's directory and capacity (the ring's
 * segments are preallocated files in that directory), the maximum frame size (frames of stored
 * records are cut by it, and a frame cut again with another size would carry other readings
 * under a sequence number the platform may already have), the board, and the sensors of a run
 * that replays a dataset.
 */
final class LiveChanges {
  private LiveChanges() {}

  static List<String> refusals(DeviceConfig a, DeviceConfig b, boolean replaying) {
    List<String> out = new ArrayList<>();
    if (!a.getIdentity().getDeviceId().equals(b.getIdentity().getDeviceId())) {
      out.add("identity.device_id: '" + b.getIdentity().getDeviceId() + "' is not this pole's id '"
          + a.getIdentity().getDeviceId() + "'; a device id does not change over the air (provision the board again)");
    }
    if (!a.getStore().getDir().equals(b.getStore().getDir())) {
      out.add("store.dir: cannot change while Mast runs (it holds the stored readings); keep '" + a.getStore().getDir() + "'");
    }
    if (a.getStore().getCapacityBytes() != b.getStore().getCapacityBytes()) {
      out.add("store.capacity_bytes: cannot change while Mast runs (the segments are preallocated); keep "
          + a.getStore().getCapacityBytes());
    }
    if (a.getUplink().getMaxFrameBytes() != b.getUplink().getMaxFrameBytes()) {
      out.add("uplink.max_frame_bytes: cannot change while records are stored under it (frames sent again must stay "
          + "byte for byte the same); keep " + a.getUplink().getMaxFrameBytes());
    }
    if (!a.getBoard().equals(b.getBoard())) {
      out.add("board: '" + b.getBoard() + "' is not this pole's board '" + a.getBoard() + "'");
    }
    if (replaying && !a.getSensorsList().equals(b.getSensorsList())) {
      out.add("sensors: this run replays a dataset; its sensors do not change");
    }
    return out;
  }

  /**
   * Whether the uplink must connect again: anything of {@code uplink} changed but the batch
   * window and the heartbeat, which the runtime's timer takes; or the device id's topics did.
   */
  static boolean uplinkChanged(DeviceConfig a, DeviceConfig b) {
    return !connection(a.getUplink()).equals(connection(b.getUplink()));
  }

  /** What only the uplink's limits change (the daily budget, the bandwidth cap): taken without a new connection. */
  static boolean uplinkLimitsChanged(DeviceConfig a, DeviceConfig b) {
    return a.getUplink().getDailyByteBudget() != b.getUplink().getDailyByteBudget()
        || a.getUplink().getBandwidthBytesPerS() != b.getUplink().getBandwidthBytesPerS();
  }

  private static Uplink connection(Uplink u) {
    return u.toBuilder().clearBatchWindowS().clearHealthIntervalS().clearDailyByteBudget().clearBandwidthBytesPerS().build();
  }
}
