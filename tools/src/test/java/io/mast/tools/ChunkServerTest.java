package io.mast.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.ota.BundleFile;
import io.mast.ota.Packer;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link ChunkServer} sends for which request, recorded at its sender: a group's first asks
 * once on the group's topic, an ask that crossed the group's publish not again, a repeated ask
 * and a late pole's ask to that pole alone, and past its bound a request dropped and counted.
 */
class ChunkServerTest {
  @TempDir Path dir;

  private BundleFile bundle;
  private byte[] sha;
  private final BlockingQueue<String> sent = new LinkedBlockingQueue<>();

  @BeforeEach
  void packABundle() throws Exception {
    Path release = Files.createDirectories(dir.resolve("release"));
    byte[] payload = new byte[200_000];
    new Random(3).nextBytes(payload);
    Files.write(release.resolve("part.jar"), payload);
    long now = Instant.now().getEpochSecond();
    Packer.Packed packed = Packer.pack(release, new Packer.Release("2.0.0", 2, "sim", 17, now + 3600, ""));
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] envelope = SignedControl.sign(SignedControl.Type.OTA_MANIFEST, SignedControl.FLEET, now, now + 3600,
        packed.manifest().toBytes(), "ops", keys.getPrivate());
    BundleFile.write(dir.resolve("b.bundle"), envelope, packed.chunks());
    bundle = BundleFile.open(dir.resolve("b.bundle"), OtaCommand::unverifiedManifest);
    sha = bundle.manifest().bundleSha256();
    assertTrue(bundle.manifest().chunks().size() >= 12, "enough chunks to ask for: " + bundle.manifest().chunks().size());
  }

  private void record(String topic, byte[] payload) throws Exception {
    sent.add(topic + "#" + OtaMessages.ChunkData.parse(payload).index());
  }

  private OtaMessages.ChunkRequest ask(Integer... chunks) {
    return new OtaMessages.ChunkRequest(sha, List.of(chunks));
  }

  /** The next {@code n} publishes, in any order (four senders). */
  private Set<String> next(int n) throws InterruptedException {
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      String s = sent.poll(10, TimeUnit.SECONDS);
      assertNotNull(s, "publish " + (i + 1) + " of " + n + " did not come; had " + out);
      out.add(s);
    }
    return out;
  }

  @Test
  void aGroupsFirstAsksGoOnceToTheGroupAndMissedOrRepeatedAsksToTheAskingPoleAlone() throws Exception {
    try (ChunkServer server = new ChunkServer(bundle, Topics.standard(), "north", 60_000, 1000, 0, this::record)) {
      server.requested("p1", ask(0, 1, 2, 3));
      assertEquals(Set.of("m/@north/od#0", "m/@north/od#1", "m/@north/od#2", "m/@north/od#3"), next(4));
      // p2 listened from its first ask, before chunk 4 went to the group: its ask for 4 crossed it
      server.requested("p2", ask(0, 1, 2, 3)); // late for 0..3: it was not listening when they went
      assertEquals(Set.of("m/p2/od#0", "m/p2/od#1", "m/p2/od#2", "m/p2/od#3"), next(4));
      server.requested("p1", ask(4));
      assertEquals(Set.of("m/@north/od#4"), next(1));
      server.requested("p2", ask(4));
      // asked again: p2 missed it (dropped at a full queue, or lost its connection)
      server.requested("p2", ask(4));
      assertEquals(Set.of("m/p2/od#4"), next(1));
      // the proof that the crossing ask sent nothing: the next publish is the one asked after it
      server.requested("p3", ask(5));
      assertEquals(Set.of("m/@north/od#5"), next(1));
      // a publish is counted once the broker has it, just after the sender saw it
      Awaitility.await("the last publish counted").atMost(Duration.ofSeconds(10)).until(() -> server.counts().groupChunks() == 6);
      ChunkServer.Counts c = server.counts();
      assertEquals(1, c.onTheirWay(), c.toString());
      assertEquals(6, c.groupChunks(), c.toString());
      assertEquals(5, c.directChunks(), c.toString());
      assertEquals(0, c.dropped(), c.toString());
      List<io.mast.protocol.OtaManifestMessage.Chunk> chunks = bundle.manifest().chunks();
      long firstFour = chunks.subList(0, 4).stream().mapToLong(io.mast.protocol.OtaManifestMessage.Chunk::size).sum();
      assertEquals(2 * firstFour + 3 * chunks.get(4).size() + chunks.get(5).size(), c.askedBytes(),
          "asked: 0..3 twice, 4 three times, 5 once: " + c);
    }
  }

  @Test
  void aPoleOfTheGroupOfferedTheBundleOnItsOwnTopicIsServedThereOnlyEvenWhenItAsksFirst() throws Exception {
    try (ChunkServer server = new ChunkServer(bundle, Topics.standard(), "north", 60_000, 1000, 0, this::record)) {
      server.alone("p7"); // it answered a patch with WANTS_FULL: its full offer went to m/p7/o
      server.requested("p7", ask(0, 1));
      assertEquals(Set.of("m/p7/od#0", "m/p7/od#1"), next(2));
      server.requested("p1", ask(1, 2)); // the group's own poles still get the group's publish
      assertEquals(Set.of("m/@north/od#1", "m/@north/od#2"), next(2));
      server.requested("p7", ask(2)); // just sent to the group, which p7 does not hear: to p7 again, not "on its way"
      assertEquals(Set.of("m/p7/od#2"), next(1));
      Awaitility.await("the publishes counted").atMost(Duration.ofSeconds(10)).until(() -> server.counts().directChunks() == 3);
      assertEquals(0, server.counts().onTheirWay());
    }
  }

  @Test
  void anUpdateForOnePoleGoesToItsOwnTopicAndPastTheBoundARequestIsDroppedAndCounted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> order = new ArrayList<>();
    try (ChunkServer server = new ChunkServer(bundle, Topics.standard(), null, 60_000, 2, 0, (topic, payload) -> {
      release.await(10, TimeUnit.SECONDS);
      record(topic, payload);
    })) {
      // one request of ten chunks: two may wait, the eight others are dropped before any sender takes one
      server.requested("p9", ask(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
      assertEquals(8, server.counts().dropped());
      release.countDown();
      order.addAll(next(2));
      assertEquals(List.of("m/p9/od#0", "m/p9/od#1"), order);
      Awaitility.await("both publishes counted").atMost(Duration.ofSeconds(10)).until(() -> server.counts().directChunks() == 2);
      assertEquals(0, server.counts().groupChunks());
    }
  }
}
