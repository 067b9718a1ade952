package io.mast.pole;

import io.mast.cli.Defaults;
import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.Reading;
import io.mast.protocol.ReadingsCsv;
import io.mast.runtime.EdgeRuntime;
import io.mast.store.LaneStats;
import io.mast.store.RingStore;
import io.mast.store.StoreStats;
import io.mast.store.StoredAlarm;
import io.mast.store.StoredRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code mast store}: look into a ring store directory without changing it. Both subcommands open
 * the store read-only, so they are safe on a pole while Mast runs (they see what was on disk when
 * they opened it).
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = "Look into a ring store (read-only; safe while Mast runs).",
    subcommands = {StoreCommand.Dump.class, StoreCommand.Stat.class})
final class StoreCommand implements Runnable {


  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "dump", mixinStandardHelpOptions = true,
      description = {"Print the records as seq,time,channel,value (one line per reading), then a summary on stderr:",
          "segments, records, acknowledged cursor, and the corrupt, damaged and truncated ones recovery found.",
          "With --config (or --channels): channel names, decimal values and a unit column.",
          "Example: mast store dump --config /etc/mast/device.json --from 1200"})
  static final class Dump implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", description = "Store directory (default: the --config's store.dir, else " + Defaults.STORE_DIR + ").")
    Path dir;

    @Option(names = "--config", paramLabel = "FILE", description = "Device config whose sensors name the channels (ids in config order), e.g. " + Defaults.CONFIG_FILE + ".")
    Path config;

    @Option(names = "--from", defaultValue = "0", paramLabel = "SEQ", description = "First sequence number to print (default: the oldest kept).")
    long from;

    @Option(names = "--alarms", description = "Print the alarm lane instead: seq,time,channel,value,rule,state,threshold.")
    boolean alarms;

    @Option(names = "--channels", paramLabel = "FILE", description = "Channels CSV (as for mast encode) naming the channels of a replayed store, instead of --config.")
    Path channels;

    @Override
    public Integer call() throws IOException {
      if (config != null && channels != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give --config or --channels, not both");
      }
      ChannelProfile profile = null;
      Path storeDir = dir != null ? dir : Path.of(Defaults.STORE_DIR);
      if (channels != null) {
        profile = ReadingsCsv.readChannels(channels);
      } else if (config != null) {
        DeviceConfig device = DeviceConfigs.effective(DeviceConfigs.readFile(config));
        profile = EdgeRuntime.profileOf(device);
        storeDir = dir != null ? dir : Path.of(device.getStore().getDir());
      }
      PrintWriter out = spec.commandLine().getOut();
      long printed = 0;
      String unit = profile == null ? "" : ",unit";
      try (RingStore store = RingStore.openReadOnly(storeDir)) {
        out.print(alarms ? "seq,time,channel,value" + unit + ",rule,state,threshold\n" : "seq,time,channel,value" + unit + "\n");
        for (long next = from; ; ) {
          if (alarms) {
            List<StoredAlarm> batch = store.readAlarms(next, 4096);
            if (batch.isEmpty()) {
              break;
            }
            for (StoredAlarm a : batch) {
              out.print(line(a.seq(), a.alarm().reading(), profile) + "," + a.alarm().rule() + ","
                  + (a.alarm().raised() ? "raised" : "cleared") + "," + a.alarm().threshold() + "\n");
              printed++;
            }
            next = batch.get(batch.size() - 1).seq() + 1;
          } else {
            List<StoredRecord> batch = store.read(next, 4096);
            if (batch.isEmpty()) {
              break;
            }
            for (StoredRecord r : batch) {
              for (Reading reading : r.readings()) {
                out.print(line(r.seq(), reading, profile) + "\n");
              }
              printed++;
            }
            next = batch.get(batch.size() - 1).seq() + 1;
          }
        }
        out.flush();
        StoreStats stats = store.stats();
        LaneStats lane = alarms ? stats.alarms() : stats.readings();
        spec.commandLine().getErr().println("lane=" + (alarms ? "alarms" : "readings")
            + " segments=" + lane.segmentsInUse() + " records=" + lane.records() + " printed=" + printed
            + " first_seq=" + lane.firstSeq() + " last_seq=" + lane.lastSeq() + " acked=" + lane.ackedSeq()
            + " corrupt_records=" + lane.corruptRecords() + " damaged_segments=" + lane.damagedSegments()
            + " truncated_tails=" + lane.truncatedTails() + " state_lost=" + lane.stateLost());
      }
      return 0;
    }

    private static String line(long seq, Reading r, ChannelProfile profile) {
      if (profile == null) {
        return seq + "," + Instant.ofEpochSecond(r.time()) + "," + r.channel() + "," + r.mantissa();
      }
      var c = profile.channel(r.channel());
      if (c == null) {
        return seq + "," + Instant.ofEpochSecond(r.time()) + "," + r.channel() + "," + r.mantissa() + ",(channel " + r.channel() + " not in the config)";
      }
      return seq + "," + Instant.ofEpochSecond(r.time()) + "," + c.name() + "," + c.format(r.mantissa()) + "," + c.unit();
    }
  }

  @Command(name = "stat", mixinStandardHelpOptions = true,
      description = "Print the store's figures as key=value lines: capacity, used, oldest unsent age, evicted counts per channel.")
  static final class Stat implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = Defaults.STORE_DIR, paramLabel = "DIR", description = "Store directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      long now = Instant.now().getEpochSecond();
      try (RingStore store = RingStore.openReadOnly(dir)) {
        StoreStats stats = store.stats();
        print(out, "readings", stats.readings(), now);
        print(out, "alarms", stats.alarms(), now);
      }
      out.flush();
      return 0;
    }

    private static void print(PrintWriter out, String lane, LaneStats s, long now) {
      String p = lane + ".";
      out.println(p + "capacity_bytes=" + s.capacityBytes());
      out.println(p + "segment_bytes=" + s.segmentBytes());
      out.println(p + "segments_in_use=" + s.segmentsInUse() + "/" + s.segments());
      out.println(p + "used_bytes=" + s.usedBytes());
      out.println(p + "used_percent=" + (s.capacityBytes() == 0 ? 0 : Math.round(100.0 * s.usedBytes() / s.capacityBytes())));
      out.println(p + "records=" + s.records());
      out.println(p + "first_seq=" + s.firstSeq());
      out.println(p + "last_seq=" + s.lastSeq());
      out.println(p + "acked_seq=" + s.ackedSeq());
      out.println(p + "unacked_records=" + s.unackedRecords());
      out.println(p + "oldest_unacked_age_s=" + (s.oldestUnackedTime() < 0 ? "none" : now - s.oldestUnackedTime()));
      out.println(p + "evicted_total=" + s.evictedTotal());
      for (Map.Entry<Integer, Long> e : new java.util.TreeMap<>(s.evicted()).entrySet()) {
        out.println(p + "evicted.channel." + e.getKey() + "=" + e.getValue());
      }
      out.println(p + "corrupt_records=" + s.corruptRecords());
      for (Map.Entry<String, Long> e : new java.util.TreeMap<>(s.corruptBySegment()).entrySet()) {
        out.println(p + "corrupt_records." + e.getKey() + "=" + e.getValue());
      }
      out.println(p + "damaged_segments=" + s.damagedSegments());
      out.println(p + "truncated_tails=" + s.truncatedTails());
      out.println(p + "state_lost=" + s.stateLost());
    }
  }
}
