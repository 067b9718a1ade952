package io.mast.datasets;

import io.mast.protocol.Channel.Kind;
import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic synthetic pole sampled every 10 seconds: PM2.5 and PM10 (PMS5003, integer
 * ug/m3), temperature and relative humidity (0.1 steps), CO2 (MH-Z19, integer ppm) and two pulse
 * counters (water in litres, gas in 0.01 m3). The same seed gives the same readings.
 *
 * <p>The signals follow a day's cycle plus sensor-like noise: particulates drift as a random walk
 * around a traffic-shaped daily level, temperature and humidity move slowly with quantisation
 * noise, CO2 jitters by a few ppm, and the meters stand still most of the time with bursts of
 * flow (a tap, a boiler), which is what makes counters compress well and honestly.
 */
public final class SyntheticPole {
  /** Sampling interval of every channel, seconds. */
  public static final int INTERVAL_S = 10;

  private SyntheticPole() {}

  public static ChannelProfile profile() {
    return ChannelProfile.of(List.of(
        new Channel(0, "air.pm25", "ug/m3", 0, INTERVAL_S, Kind.GAUGE, "PMS5003 PM2.5"),
        new Channel(1, "air.pm10", "ug/m3", 0, INTERVAL_S, Kind.GAUGE, "PMS5003 PM10"),
        new Channel(2, "air.temp", "degC", -1, INTERVAL_S, Kind.GAUGE, "temperature"),
        new Channel(3, "air.rh", "%", -1, INTERVAL_S, Kind.GAUGE, "relative humidity"),
        new Channel(4, "air.co2", "ppm", 0, INTERVAL_S, Kind.GAUGE, "MH-Z19 CO2"),
        new Channel(5, "water.volume", "L", 0, INTERVAL_S, Kind.COUNTER, "pulse water meter, 1 L/pulse"),
        new Channel(6, "gas.volume", "m3", -2, INTERVAL_S, Kind.COUNTER, "pulse gas meter, 0.01 m3/pulse")));
  }

  /** Readings from {@code startTime} (Unix seconds) for {@code seconds}, every channel every 10 s. */
  public static List<Reading> readings(long startTime, long seconds, long seed) {
    Random random = new Random(seed);
    List<Reading> out = new ArrayList<>();
    double pm = 12;
    long water = 183_442;
    long gas = 5_210_077;
    int waterFlow = 0;
    int gasFlow = 0;
    double co2 = 420;
    for (long t = startTime; t < startTime + seconds; t += INTERVAL_S) {
      double day = 2 * Math.PI * Math.floorMod(t, 86_400L) / 86_400.0;
      double traffic = 8 + 10 * Math.max(0, Math.sin(day - 1.2)) + 6 * Math.max(0, Math.sin(2 * day - 2.0));
      pm += 0.05 * (traffic - pm) + random.nextGaussian() * 0.8;
      pm = Math.max(0, pm);
      long pm25 = Math.round(pm + random.nextGaussian() * 0.7);
      long pm10 = Math.round(pm * 1.35 + random.nextGaussian() * 1.2);
      long temp = Math.round(10 * (14 + 6 * Math.sin(day - 2.2)) + random.nextGaussian() * 0.6);
      long rh = Math.round(10 * (65 - 15 * Math.sin(day - 2.2)) + random.nextGaussian() * 1.5);
      co2 += 0.02 * (415 + 25 * Math.max(0, Math.sin(day - 1.2)) - co2) + random.nextGaussian() * 0.8;
      long co2ppm = Math.round(co2 + random.nextGaussian() * 1.5);
      if (waterFlow > 0) {
        waterFlow--;
        water += 1 + random.nextInt(2);
      } else if (random.nextDouble() < 0.004) {
        waterFlow = 3 + random.nextInt(30);
      }
      if (gasFlow > 0) {
        gasFlow--;
        gas += random.nextDouble() < 0.6 ? 1 : 0;
      } else if (random.nextDouble() < 0.002) {
        gasFlow = 60 + random.nextInt(180);
      }
      out.add(new Reading(0, t, Math.max(0, pm25)));
      out.add(new Reading(1, t, Math.max(0, pm10)));
      out.add(new Reading(2, t, temp));
      out.add(new Reading(3, t, Math.min(1000, Math.max(0, rh))));
      out.add(new Reading(4, t, co2ppm));
      out.add(new Reading(5, t, water));
      out.add(new Reading(6, t, gas));
    }
    return out;
  }
}
