package io.mast.runtime.core;

import io.mast.config.model.DeviceConfig;
import io.mast.config.model.DriverKind;
import io.mast.config.model.Sensor;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.runtime.health.HealthReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What a config's sensors are on the wire: the profile's channels, and which of them health reports as the modem's. */
final class Channels {
  private Channels() {}

  /** The profile of a config's sensors: one channel per sensor, ids in config order. */
  static ChannelProfile profileOf(DeviceConfig c) {
    List<Channel> channels = new ArrayList<>();
    for (Sensor s : c.getSensorsList()) {
      channels.add(new Channel(channels.size(), s.getChannel(), s.getUnit(), s.getExponent(), s.getIntervalS(),
          s.getCounter() ? Channel.Kind.COUNTER : Channel.Kind.GAUGE,
          s.getId() + " (" + s.getDriver().name().toLowerCase(Locale.ROOT) + ")"));
    }
    return ChannelProfile.of(channels);
  }

  /** The channels of the modem's registration, RSRP, RSRQ and SINR, or -1 where the config reads none. */
  static HealthReport.ModemChannels modemChannels(DeviceConfig c) {
    int[] ids = {-1, -1, -1, -1};
    List<String> names = List.of("reg", "rsrp", "rsrq", "sinr");
    for (int i = 0; i < c.getSensorsCount(); i++) {
      Sensor s = c.getSensors(i);
      int at = names.indexOf(s.getQuantity());
      if (s.getDriver() == DriverKind.MODEM && at >= 0) {
        ids[at] = i;
      }
    }
    return new HealthReport.ModemChannels(ids[0], ids[1], ids[2], ids[3]);
  }
}
