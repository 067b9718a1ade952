package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.ota.BootState;
import io.mast.protocol.Ed25519Keys;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.sim.Mosquitto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mast ota publish --group} to fleet poles with A/B slots and the real launcher, on Debian's
 * Mosquitto: every pole downloads the update, most of its chunks once on the group's topic rather
 * than once per pole; the poles whose trial start works commit it, the one whose trial start
 * crashes is rolled back by the launcher after its tries, and the publisher's tally says so.
 */
class FleetUpdateTest {
  static final int POLES = 6;

  @TempDir Path dir;

  @Test
  void aGroupUpdateIsFannedOutCommittedByTheHealthyPolesAndRolledBackWhereItsTrialCrashes() throws Exception {
    Cli.Result keys = Cli.run("", "keys", "gen", "--out", dir.resolve("keys").toString(), "--id", "ops-ota");
    assertEquals(0, keys.status(), keys.err());
    Ed25519Keys.NamedPublicKey trust = Ed25519Keys.readNamedPublic(dir.resolve("keys/ops-ota.pub.pem"));
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto"));
        FleetPoles fleet = new FleetPoles(new FleetPoles.Setup(2, 1, 2, broker.uri(), "north", trust, true, 1), dir.resolve("poles"))) {
      for (int i = 1; i <= POLES; i++) {
        fleet.start(i);
      }
      Awaitility.await("every pole connected").atMost(Duration.ofSeconds(60))
          .until(() -> fleet.poles().stream().allMatch(p -> p.link().state() == Link.State.CONNECTED));

      Path release = dir.resolve("release");
      FleetSlots.writeRelease(release);
      Files.createDirectories(release.resolve("lib"));
      Random r = new Random(7);
      for (int j = 0; j < 3; j++) {
        byte[] payload = new byte[120_000];
        r.nextBytes(payload);
        Files.write(release.resolve("lib/part" + j + ".jar"), payload);
      }
      Path bundle = dir.resolve("update.bundle");
      Cli.Result packed = Cli.run("", "ota", "pack", "--version", "2.0.0", "--counter", "2", "--target", fleet.config().getBoard(),
          "--key", dir.resolve("keys/ops-ota.pem").toString(), "--key-id", "ops-ota", "--out", bundle.toString(), release.toString());
      assertEquals(0, packed.status(), packed.out() + packed.err());

      Cli.Result published = Cli.run("", "ota", "publish", "--broker", broker.uri(), "--group", "north", "--expect",
          String.valueOf(POLES), "--timeout", "240", bundle.toString());
      String out = published.out();
      assertEquals(3, published.status(), "a rollback is the publisher's exit 3: " + out + published.err());
      Map<String, String> kv = new HashMap<>();
      Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(out.substring(out.lastIndexOf("ota_publish ")));
      while (m.find()) {
        kv.put(m.group(1), m.group(2));
      }
      assertEquals(String.valueOf(POLES - 1), kv.get("committed"), out);
      assertEquals("1", kv.get("rolled_back"), out);
      assertEquals("0", kv.get("refused"), out);
      assertTrue(out.contains("fleet-00001: ROLLED_BACK (slot b:3 starts without a commit)"), out);
      // every pole fetched the three payload files (the probe is seeded from slot a): once per pole would be 6 x 360 KB
      long payload = 3 * 120_000;
      long served = Long.parseLong(kv.get("served_bytes"));
      assertTrue(Long.parseLong(kv.get("group_bytes")) >= payload, "each payload chunk went to the group once: " + out);
      assertTrue(served < 2 * payload, served + " bytes served for " + POLES + " poles of a " + payload + "-byte update: " + out);
      assertTrue(Long.parseLong(kv.get("asked_bytes")) > served, "more was asked than sent: " + out);

      assertEquals(3, fleet.crashedStarts(), "the crashing pole's three trial starts");
      for (int i = 1; i <= POLES; i++) {
        BootState b = BootState.read(DurableFiles.real(), dir.resolve("poles").resolve(FleetPoles.id(i)).resolve("root"));
        assertEquals(i == 1 ? "a" : "b", b.active(), FleetPoles.id(i) + ": " + b);
        assertEquals("", b.trial(), FleetPoles.id(i) + ": " + b);
      }
      assertTrue(Files.isRegularFile(dir.resolve("poles/fleet-00002/root/slots/b/lib/part1.jar")));
      fleet.stop(4);
    }
  }

  @Test
  void aPatchGoesToTheGroupAsItsChangedChunksAndAPoleNotOnItsBaseIsOfferedTheFullManifest() throws Exception {
    Cli.Result keys = Cli.run("", "keys", "gen", "--out", dir.resolve("keys").toString(), "--id", "ops-ota");
    assertEquals(0, keys.status(), keys.err());
    Ed25519Keys.NamedPublicKey trust = Ed25519Keys.readNamedPublic(dir.resolve("keys/ops-ota.pub.pem"));
    int poles = 4;
    try (Mosquitto broker = Mosquitto.start(dir.resolve("mosquitto"));
        FleetPoles fleet = new FleetPoles(new FleetPoles.Setup(2, 1, 2, broker.uri(), "north", trust, true, 0), dir.resolve("poles"))) {
      for (int i = 1; i <= poles; i++) {
        fleet.start(i);
      }
      Awaitility.await("every pole connected").atMost(Duration.ofSeconds(60))
          .until(() -> fleet.poles().stream().allMatch(p -> p.link().state() == Link.State.CONNECTED));
      // the last pole's running slot is not the base: a file left in it
      Files.writeString(dir.resolve("poles").resolve(FleetPoles.id(poles)).resolve("root/slots/a/left-behind.txt"), "not in any release\n");

      // the base: the release the poles run (the slot probe); the next: it and a 300 KB library
      Path base = dir.resolve("base");
      FleetSlots.writeRelease(base);
      String[] sign = {"--target", fleet.config().getBoard(), "--key", dir.resolve("keys/ops-ota.pem").toString(), "--key-id", "ops-ota"};
      Cli.Result packedBase = Cli.run("", concat(new String[] {"ota", "pack", "--version", "1.0.0", "--counter", "1"}, sign,
          new String[] {"--out", dir.resolve("base.bundle").toString(), base.toString()}));
      assertEquals(0, packedBase.status(), packedBase.out() + packedBase.err());
      Path release = dir.resolve("release");
      FleetSlots.writeRelease(release);
      Files.createDirectories(release.resolve("lib"));
      byte[] library = new byte[300_000];
      new Random(11).nextBytes(library);
      Files.write(release.resolve("lib/library.jar"), library);
      Path bundle = dir.resolve("update.bundle");
      Cli.Result packed = Cli.run("", concat(new String[] {"ota", "pack", "--version", "2.0.0", "--counter", "2"}, sign,
          new String[] {"--base", dir.resolve("base.bundle").toString(), "--out", bundle.toString(), release.toString()}));
      assertEquals(0, packed.status(), packed.out() + packed.err());
      assertTrue(packed.out().contains("patch " + bundle + ".patch: from 1.0.0"), packed.out());

      Cli.Result published = Cli.run("", "ota", "publish", "--broker", broker.uri(), "--group", "north", "--patch", bundle + ".patch",
          "--expect", String.valueOf(poles), "--timeout", "240", bundle.toString());
      String out = published.out();
      assertEquals(0, published.status(), out + published.err());
      assertTrue(out.contains("as a patch"), out);
      Map<String, String> kv = new HashMap<>();
      Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(out.substring(out.lastIndexOf("ota_publish ")));
      while (m.find()) {
        kv.put(m.group(1), m.group(2));
      }
      assertEquals(String.valueOf(poles), kv.get("committed"), out);
      assertEquals("1", kv.get("full_offers"), "the pole off the base was offered the full manifest: " + out);
      // the library once to the group for the poles on the base (a pole that began later gets what went before alone), once more
      // to the pole off it, on its own od: less than one publish per request (4 x the library), and no pole waited for a resend
      assertTrue(Long.parseLong(kv.get("served_bytes")) < 3 * library.length, out);
      assertTrue(Double.parseDouble(kv.get("last_outcome_s")) < 30, "no pole waited 30 s for a resend of a chunk it never heard: " + out);
      for (int i = 1; i <= poles; i++) {
        Path slotB = dir.resolve("poles").resolve(FleetPoles.id(i)).resolve("root/slots/b/lib/library.jar");
        assertTrue(java.util.Arrays.equals(library, Files.readAllBytes(slotB)), FleetPoles.id(i));
      }
      fleet.stop(poles);
    }
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
