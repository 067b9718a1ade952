package io.mast.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.datasets.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EncodeDecodeTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"air-uci", "water-daiad"})
  void encodeThenDecodeReproducesACarriedDatasetExactly(String name) throws Exception {
    Dataset.Copy data = Dataset.named(name).copyTo(tmp.resolve("data"));
    String text = Dataset.text(data.readings());
    Path out = tmp.resolve("frames");
    Cli.Result enc = Cli.run("", "encode", "--channels", data.channels().toString(),
        "--readings", data.readings().toString(), "--window", "86400", "--out", out.toString());
    assertEquals(0, enc.status(), enc.err());
    Matcher m = Pattern.compile("readings=(\\d+) frames=(\\d+) bytes=(\\d+) bytes_per_reading=([0-9.]+)\\n").matcher(enc.out());
    assertTrue(m.matches(), enc.out());
    long lines = text.lines().count() - 1;
    assertEquals(lines, Long.parseLong(m.group(1)));
    try (Stream<Path> files = Files.list(out)) {
      List<Path> frames = files.filter(f -> f.getFileName().toString().startsWith("frame-")).toList();
      assertEquals(Long.parseLong(m.group(2)), frames.size());
      for (Path f : frames) {
        assertTrue(Files.size(f) <= 1024, f + " is " + Files.size(f) + " bytes");
      }
    }

    Cli.Result dec = Cli.run("", "decode", out.toString());
    assertEquals(0, dec.status(), dec.err());
    assertEquals(text, dec.out());
    assertEquals("frames=" + m.group(2) + " readings=" + lines + " alarms=0 duplicates=0 refused=0 skipped=0 errors=0\n", dec.err());
  }

  /** Channels and readings CSV encoded into frames with a {@code window}-second batch window; returns the frames' directory. */
  private Path encode(String channels, CharSequence readings, int window) throws Exception {
    Path c = tmp.resolve("c.csv");
    Files.writeString(c, channels);
    Path r = tmp.resolve("r.csv");
    Files.writeString(r, readings);
    Path out = tmp.resolve("frames");
    Cli.Result enc = Cli.run("", "encode", "--channels", c.toString(), "--readings", r.toString(), "--window", Integer.toString(window),
        "--out", out.toString());
    assertEquals(0, enc.status(), enc.err());
    return out;
  }

  @Test
  void hexLinesFromMosquittoSubDecodeWithTheProfileTopicDroppingDuplicatesAndForeignTopics() throws Exception {
    String csv = "time,channel,value\n"
        + "2026-01-01T00:00:00Z,air.temp,-1.5\n2026-01-01T00:00:00Z,water.m1,100\n"
        + "2026-01-01T00:01:00Z,air.temp,-1.4\n2026-01-01T00:01:00Z,water.m1,100\n"
        + "2026-01-01T00:05:00Z,air.temp,-1.2\n2026-01-01T00:05:07Z,water.m1,104\n";
    Path out = encode("channel,unit,exponent,interval_s,kind,description\n"
        + "air.temp,degC,-1,60,gauge,\"temperature, outside\"\nwater.m1,L,0,60,counter,\n", csv, 240);
    HexFormat hex = HexFormat.of();
    String profile = hex.formatHex(Files.readAllBytes(out.resolve("profile.pb")));
    String f1 = hex.formatHex(Files.readAllBytes(out.resolve("frame-000001.pb")));
    String f2 = hex.formatHex(Files.readAllBytes(out.resolve("frame-000002.pb")));
    String stdin = String.join("\n",
        "m/pole-1/s 0801",                  // status: not a frame, skipped
        "m/pole-1/p " + profile,
        "m/pole-1/t " + f1,
        "m/pole-1/t " + f1,                 // QoS 1 redelivery: dropped as a duplicate
        "m/pole-1/h 00",                    // health: skipped
        "m/pole-1/t 0a0b0c",                // garbage payload: refused, decoding goes on
        "m/pole-1/t zz",                    // not hex: an error
        "m/pole-1/t " + f2,
        "") + "\n";
    Cli.Result r = Cli.run(stdin, "decode", "--hex");
    assertEquals(csv, r.out());
    assertTrue(r.err().endsWith("frames=2 readings=6 alarms=0 duplicates=1 refused=1 skipped=2 errors=1\n"), r.err());
    assertTrue(r.err().contains("mast decode: stdin:6: m/pole-1/t: frame of 3 bytes is too short to carry its CRC-32C; refused"), r.err());
    assertTrue(r.err().contains("mast decode: stdin:7: m/pole-1/t: "), r.err());
    assertEquals(1, r.status());
  }

  /**
   * A copy damaged on the way that arrives first no longer pushes out the good copy of the same
   * frame: it is refused on its CRC-32C before its sequence number is read. Frame files verify
   * alone, without their profile.
   */
  @Test
  void aDamagedCopyIsRefusedAndTheGoodCopyAfterItIsKeptAndFrameFilesVerifyAlone() throws Exception {
    StringBuilder csv = new StringBuilder("time,channel,value\n");
    for (int i = 0; i < 30; i++) {
      csv.append(java.time.Instant.ofEpochSecond(1_767_225_600L + 60L * i)).append(",air.pm25,").append(10 + i % 4).append('\n');
    }
    Path out = encode("channel,unit,exponent,interval_s,kind,description\nair.pm25,ug/m3,0,60,gauge,\n", csv, 86400);
    byte[] good = Files.readAllBytes(out.resolve("frame-000001.pb"));
    byte[] damaged = good.clone();
    damaged[damaged.length / 2] ^= 0x10;
    HexFormat hex = HexFormat.of();
    String stdin = "m/p1/p " + hex.formatHex(Files.readAllBytes(out.resolve("profile.pb"))) + "\n"
        + "m/p1/t " + hex.formatHex(damaged) + "\n" + "m/p1/t " + hex.formatHex(good) + "\n";
    Cli.Result r = Cli.run(stdin, "decode", "--hex");
    assertEquals(csv.toString(), r.out(), "every reading, from the good copy");
    assertTrue(r.err().contains("mast decode: stdin:2: m/p1/t: frame fails its CRC-32C check (carries "), r.err());
    assertTrue(r.err().endsWith("frames=1 readings=30 alarms=0 duplicates=0 refused=1 skipped=0 errors=0\n"), r.err());
    assertEquals(1, r.status(), "bad input was seen");

    Path archive = tmp.resolve("archive");
    Files.createDirectories(archive);
    Files.write(archive.resolve("frame-000001.pb"), good);
    Files.write(archive.resolve("frame-000002.pb"), damaged);
    Cli.Result v = Cli.run("", "decode", "--verify", archive.toString());
    assertEquals("", v.out());
    assertTrue(v.err().startsWith("mast decode: " + archive.resolve("frame-000002.pb") + ": frame fails its CRC-32C check"), v.err());
    assertTrue(v.err().endsWith("frames=2 intact=1 refused=1\n"), v.err());
    assertEquals(1, v.status());
    Files.delete(archive.resolve("frame-000002.pb"));
    Cli.Result ok = Cli.run("", "decode", "--verify", archive.toString());
    assertEquals("frames=1 intact=1 refused=0\n", ok.err());
    assertEquals(0, ok.status());
  }

  @Test
  void framesBeforeAnyProfileAreReportedUnlessAProfileFileIsGiven() throws Exception {
    String csv = "time,channel,value\n2026-01-01T00:00:00Z,gas.m1,5210.77\n2026-01-01T01:00:00Z,gas.m1,5210.79\n";
    Path out = encode("channel,unit,exponent,interval_s,kind,description\ngas.m1,m3,-2,3600,counter,\n", csv, 86400);
    String line = "m/p9/t " + HexFormat.of().formatHex(Files.readAllBytes(out.resolve("frame-000001.pb"))) + "\n";

    Cli.Result without = Cli.run(line, "decode", "--hex");
    assertTrue(without.err().contains("no profile yet for device p9 (its retained m/p9/p message comes first when the subscriber"
        + " starts; or give --profile FILE)"), without.err());
    assertEquals(1, without.status());

    Cli.Result with = Cli.run(line, "decode", "--hex", "--profile", out.resolve("profile.pb").toString());
    assertEquals(csv, with.out());
    assertEquals(0, with.status(), with.err());
  }

  @Test
  void framesWithoutAProfileBesideThemSayWhatIsMissingAndHowToGetIt() throws Exception {
    Path frames = tmp.resolve("frames");
    Files.createDirectories(frames);
    Files.write(frames.resolve("frame-000001.pb"), new byte[] {1, 2, 3});
    Cli.Result r = Cli.run("", "decode", frames.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("mast decode: " + frames.resolve("profile.pb") + ": no profile beside the frames; frames decode only"
        + " against the profile they were made with (mast encode writes profile.pb"), r.err());
    Cli.Result none = Cli.run("", "decode", tmp.resolve("nothing").toString());
    assertEquals("mast decode: " + tmp.resolve("nothing") + ": no such file or directory\n", none.err());
  }

  @Test
  void aCaptureInAnotherFormatIsReportedWithWhatWasExpected() {
    // mosquitto_sub -v prints the raw payload: here status and a frame as text, not hex
    String verbose = "m/pole-1/s \u0008\u0001 online\nm/pole-1/t \u0010garbage bytes\nm/pole-1/h \u0001\n";
    Cli.Result r = Cli.run(verbose, "decode", "--hex");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("mast decode: stdin:1: m/pole-1/s: the payload is not hex; expected 'TOPIC HEXPAYLOAD' lines as"
        + " mosquitto_sub -F '%t %x' prints them (with -v it prints raw bytes instead)"), r.err());
    assertTrue(r.err().contains("mast decode: nothing decoded: expected 'TOPIC HEXPAYLOAD' lines with m/DEVICE/t topics"), r.err());
    Cli.Result plain = Cli.run("time,channel,value\n2026-01-01T00:00:00Z,a,1\n", "decode", "--hex");
    assertTrue(plain.err().contains("mast decode: nothing decoded"), plain.err());
  }

  @Test
  void followPrintsEachFramesRowsAsItArrivesAndOtherMessagesAsText() throws Exception {
    Path out = encode("channel,unit,exponent,interval_s,kind,description\ngas.m1,m3,-2,3600,counter,\n",
        "time,channel,value\n2026-01-01T01:00:00Z,gas.m1,5210.79\n2026-01-02T00:00:00Z,gas.m1,5210.70\n", 86400);
    HexFormat hex = HexFormat.of();
    String stdin = String.join("\n",
        "m/p9/s 0801",
        "m/p9/p " + hex.formatHex(Files.readAllBytes(out.resolve("profile.pb"))),
        "m/p9/t " + hex.formatHex(Files.readAllBytes(out.resolve("frame-000002.pb"))),
        "m/p9/t " + hex.formatHex(Files.readAllBytes(out.resolve("frame-000001.pb"))),
        "m/p9/h 0801",
        "m/p9/ca 080710012007",
        "") + "\n";
    Cli.Result r = Cli.run(stdin, "decode", "--hex", "--follow");
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals("time,channel,value", lines.get(0));
    assertEquals("# m/p9/s status: state: ONLINE", lines.get(1));
    assertTrue(lines.get(2).startsWith("# m/p9/p profile: "), lines.get(2));
    assertEquals("2026-01-02T00:00:00Z,gas.m1,5210.70", lines.get(3), "in arrival order, not sorted");
    assertEquals("2026-01-01T01:00:00Z,gas.m1,5210.79", lines.get(4));
    assertEquals("# m/p9/h health: time: 1", lines.get(5));
    assertEquals("# m/p9/ca config ack: version: 7 result: APPLIED active_version: 7", lines.get(6));
  }

  @Test
  void badReadingsAreReportedWithFileLineAndValue() throws Exception {
    Path channels = tmp.resolve("c.csv");
    Files.writeString(channels, "channel,unit,exponent,interval_s,kind,description\nair.co,mg/m3,-1,3600,gauge,\n");
    Path readings = tmp.resolve("r.csv");
    Files.writeString(readings, "time,channel,value\n2004-03-10T18:00:00Z,air.co,2.6\n2004-03-10T19:00:00Z,air.co,2.65\n");
    Cli.Result r = Cli.run("", "encode", "--channels", channels.toString(), "--readings", readings.toString(), "--out", tmp.resolve("o").toString());
    assertEquals(1, r.status());
    assertEquals("mast encode: " + readings + ":3: channel air.co: 2.65 needs more precision than 10^-1 or does not fit 64 bits\n", r.err());
  }
}
