package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameCorruptException;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.MessageText;
import io.mast.protocol.Reading;
import io.mast.protocol.Topics;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code mast decode --hex}: {@code TOPIC HEXPAYLOAD} lines as {@code mosquitto_sub -F '%t %x'}
 * prints them, one at a time. A profile message (the retained {@code m/DEVICE/p}) gives the
 * device's decoder; a telemetry frame becomes rows (printed at once with {@code --follow}, else
 * kept and printed sorted by {@link #finish()}); an alarm is counted (its reading is also in the
 * telemetry); with {@code --follow} every other message is printed as a {@code #} line of text.
 * A line whose topic is not Mast's is skipped; a line that is not hex, a frame without a profile
 * and a payload that does not parse is told and counted, a damaged frame refused and counted; a
 * (device, sequence) seen before is a QoS 1 duplicate, dropped whole. Nothing a line holds stops
 * the lines after it.
 */
public final class HexLines {
  /** The payload of a mosquitto_sub -F '%t %x' line: hex digits in pairs (none for a cleared retained message). */
  private static final Pattern HEX = Pattern.compile("([0-9a-fA-F]{2})*");

  private final DecodeRun run;
  private final Topics topics;
  private final ChannelProfile given;
  private final Map<String, FrameDecoder> decoders = new HashMap<>();
  private final Set<String> seen = new HashSet<>();
  private final List<DecodeRun.Row> rows = new ArrayList<>();
  private long number;

  HexLines(DecodeRun run, Topics topics, ChannelProfile given) {
    this.run = run;
    this.topics = topics;
    this.given = given;
  }

  /**
   * Lines for the standard topics, rows to {@code out} and complaints to {@code err}.
   *
   * @param given the profile to decode against before a device's own arrives, or null
   */
  public static HexLines standard(PrintStream out, PrintStream err, boolean follow, ChannelProfile given) {
    return new HexLines(new DecodeRun(out, err, follow), Topics.standard(), given);
  }

  /** The next line. */
  public void accept(String line) {
    number++;
    if (line.isBlank()) {
      return;
    }
    String[] parts = line.trim().split("\\s+", 2);
    var parsed = topics.parse(parts[0]);
    if (parsed.isEmpty()) {
      run.skipped++;
      return;
    }
    String hexText = parts.length > 1 ? parts[1].trim() : "";
    if (!HEX.matcher(hexText).matches()) {
      run.error("stdin:" + number + ": " + parts[0] + ": the payload is not hex; expected 'TOPIC HEXPAYLOAD' lines as"
          + " mosquitto_sub -F '%t %x' prints them (with -v it prints raw bytes instead)");
      return;
    }
    try {
      message(parts[0], parsed.get(), HexFormat.of().parseHex(hexText));
    } catch (FrameCorruptException e) {
      run.refused("stdin:" + number + ": " + parts[0], e);
    } catch (FrameFormatException | IllegalArgumentException e) {
      run.error("stdin:" + number + ": " + parts[0] + ": " + e.getMessage());
    }
  }

  private void message(String topic, Topics.Parsed parsed, byte[] payload) throws FrameFormatException {
    String device = parsed.device();
    switch (parsed.kind()) {
      case PROFILE -> {
        if (payload.length > 0) {
          decoders.put(device, new FrameDecoder(ChannelProfile.parse(payload)));
        }
        note(topic, parsed.kind(), payload);
      }
      case TELEMETRY, ALARM -> frame(topic, parsed, payload);
      default -> note(topic, parsed.kind(), payload);
    }
  }

  private void frame(String topic, Topics.Parsed parsed, byte[] payload) throws FrameFormatException {
    String device = parsed.device();
    FrameDecoder decoder = decoders.get(device);
    if (decoder == null && given == null) {
      throw new FrameFormatException("no profile yet for device " + device + " (its retained m/" + device
          + "/p message comes first when the subscriber starts; or give --profile FILE)");
    }
    decoder = decoder != null ? decoder : decoders.computeIfAbsent(device, d -> new FrameDecoder(given));
    boolean alarm = parsed.kind() == Topics.Kind.ALARM;
    DecodedFrame frame = alarm ? decoder.decodeAlarm(payload) : decoder.decode(payload);
    if (!seen.add(device + "/" + frame.seq())) {
      run.duplicates++;
      return;
    }
    if (alarm) {
      run.alarms++;
      if (run.follow) {
        run.out.println("# " + topic + " alarm: seq " + frame.seq() + ", " + frame.readings().size() + " reading(s), also in the telemetry");
        run.out.flush();
      }
      return;
    }
    run.frames++;
    run.readings += frame.readings().size();
    List<DecodeRun.Row> these = new ArrayList<>();
    for (Reading r : frame.readings()) {
      these.add(new DecodeRun.Row(r, decoder.profile()));
    }
    if (run.follow) {
      run.writeSorted(these);
      run.out.flush();
    } else {
      rows.addAll(these);
    }
  }

  /** A message that is not a frame: counted as skipped, and with --follow printed as text. */
  private void note(String topic, Topics.Kind kind, byte[] payload) throws FrameFormatException {
    if (!run.follow) {
      if (kind != Topics.Kind.PROFILE) {
        run.skipped++;
      }
      return;
    }
    run.out.println("# " + topic + " " + MessageText.of(kind, payload));
    run.out.flush();
  }

  /** Prints the rows kept (sorted by time, then channel id); nothing without {@code --follow}'s rows. */
  public void finish() {
    run.writeSorted(rows);
  }

  /** The counts so far, as {@code mast decode} prints them at its end. */
  public String summary() {
    return run.summary();
  }
}
