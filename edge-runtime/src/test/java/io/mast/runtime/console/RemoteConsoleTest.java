package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.TrustedKey;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConsoleMessages;
import io.mast.protocol.Ed25519Keys;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Openssl;
import io.mast.seams.RecentLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote console over MQTT (topics {@code x} and {@code xr}) of a simulated pole on a real
 * Mosquitto, with keys made by openssl: a signed command runs and its reply comes back; an
 * unsigned, forged or stranger's one is refused and nothing runs; a read-only key cannot change
 * the pole; a change key can, audited; a command seen again does not run twice; a long reply is cut.
 */
class RemoteConsoleTest {
  @TempDir
  Path dir;

  private Pole pole;
  private long nextId = System.currentTimeMillis();

  @AfterEach
  void closeAll() throws Exception {
    if (pole != null) {
      pole.close();
    }
  }

  private String xTopic() {
    return "m/" + Pole.ID + "/x";
  }

  private byte[] command(String keyId, PrivateKey key, long id, String line) throws Exception {
    long now = Instant.now().getEpochSecond();
    return SignedControl.sign(SignedControl.Type.CONSOLE_COMMAND, Pole.ID, now - 5, now + 300,
        new ConsoleMessages.Command(id, line).toBytes(), keyId, key);
  }

  private List<ConsoleMessages.Reply> replies() throws Exception {
    List<ConsoleMessages.Reply> out = new java.util.ArrayList<>();
    for (byte[] p : pole.platform.payloads("m/" + Pole.ID + "/xr")) {
      out.add(ConsoleMessages.Reply.parse(p));
    }
    return out;
  }

  /** Sends a command and waits (bounded) for the next reply. */
  private ConsoleMessages.Reply run(byte[] envelope) throws Exception {
    int before = replies().size();
    pole.platform.publish(xTopic(), envelope, false);
    Awaitility.await("a reply on xr").atMost(Duration.ofSeconds(30)).until(() -> replies().size() > before);
    return replies().get(before);
  }

  @Test
  void aSignedCommandRunsAndAnUnsignedForgedOrStrangersOneIsRefusedBeforeAnythingRuns() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("keys"));
    Openssl openssl = new Openssl(dir.resolve("keys"));
    openssl.run("genpkey", "-algorithm", "ed25519", "-out", "ops.pem");
    PrivateKey opensslKey = Ed25519Keys.readPrivatePem(openssl.run("pkey", "-in", "ops.pem"));
    java.security.PublicKey opensslPublic = Ed25519Keys.readPublicPem(openssl.run("pkey", "-in", "ops.pem", "-pubout"));
    // the pole trusts the openssl key as read-only "ops-ro" besides the platform's key
    pole = new Pole(dir, platform -> List.of(platform.trusted(), TrustedKey.newBuilder().setKeyId("ops-ro")
        .setEd25519Public(com.google.protobuf.ByteString.copyFrom(Ed25519Keys.raw(opensslPublic))).build())).started();

    ConsoleMessages.Reply status = run(command("ops-ro", opensslKey, ++nextId, "status"));
    assertEquals(0, status.status(), status.output());
    assertEquals(nextId, status.id());
    assertEquals("ops-ro", status.keyId());
    assertTrue(status.output().contains("pole     " + Pole.ID), status.output());

    ConsoleMessages.Reply garbage = run(new byte[] {0x0a, 0x03, 0x01, 0x02});
    assertEquals(-1, garbage.status());
    assertTrue(garbage.output().startsWith("refused: "), garbage.output());

    byte[] good = command("ops-ro", opensslKey, ++nextId, "meter set-total water-meter 5");
    byte[] forged = good.clone();
    forged[forged.length - 1] ^= 1;
    ConsoleMessages.Reply refused = run(forged);
    assertEquals(-1, refused.status());
    assertTrue(refused.output().contains("does not verify under key 'ops-ro'"), refused.output());

    ConsoleMessages.Reply stranger = run(command("ops-ro", Ed25519Keys.generate().getPrivate(), ++nextId, "status"));
    assertEquals(-1, stranger.status());
    assertTrue(stranger.output().contains("does not verify"), stranger.output());

    ConsoleMessages.Reply unknown = run(command("nobody", Ed25519Keys.generate().getPrivate(), ++nextId, "status"));
    assertTrue(unknown.output().contains("key id 'nobody' is not trusted"), unknown.output());

    // a read-only key cannot change the pole
    ConsoleMessages.Reply readOnly = run(good);
    assertEquals(3, readOnly.status(), readOnly.output());
    assertTrue(readOnly.output().contains("key 'ops-ro' may only read"), readOnly.output());
    assertTrue(pole.audits().stream().noneMatch(a -> a.what().contains("meter")), "nothing audited: nothing ran");
    // a live command is not interactive
    ConsoleMessages.Reply watch = run(command("ops-ro", opensslKey, ++nextId, "watch"));
    assertTrue(watch.output().contains("watch is live and needs a terminal"), watch.output());
  }

  @Test
  void aChangeKeyChangesThePoleAuditedAndACommandSeenAgainDoesNotRunTwice() throws Exception {
    pole = new Pole(dir, platform -> List.of(platform.trusted().toBuilder().setConsoleChanges(true).build())).started();
    PrivateKey key = pole.platform.key.getPrivate();
    String keyId = pole.platform.keyId;
    ConsoleMessages.Reply set = run(command(keyId, key, ++nextId, "config set uplink.batch_window_s 20"));
    assertEquals(0, set.status(), set.output());
    ConsoleMessages.Reply apply = run(command(keyId, key, ++nextId, "config apply"));
    assertEquals(0, apply.status(), apply.output());
    assertTrue(apply.output().contains("applied as version 2: changed uplink.batch_window_s"), apply.output());
    ConfigAckMessage ack = pole.platform.ack(Pole.ID, 1);
    assertEquals(ConfigAckMessage.CONSOLE, ack.origin());
    assertEquals(ConfigAckMessage.Result.APPLIED, ack.result());
    ConsoleMessages.Audit audit = pole.awaitAudit("config apply version 2");
    assertEquals("key:" + keyId + "@mqtt", audit.who());

    // the same envelope again (a replay, or the broker's redelivery): not run twice
    byte[] meter = command(keyId, key, ++nextId, "meter set-total water-meter 5");
    ConsoleMessages.Reply first = run(meter);
    assertEquals(0, first.status(), first.output());
    long handled = pole.runtime.console().remoteHandled();
    pole.platform.publish(xTopic(), meter, false);
    Awaitility.await("the replay handled").atMost(Duration.ofSeconds(30)).until(() -> pole.runtime.console().remoteHandled() > handled);
    assertEquals(1, pole.audits().stream().filter(a -> a.what().startsWith("meter set-total water-meter")).count(), pole.audits().toString());
    // an older id for a change, even signed and fresh: refused (the persisted floor of change ids)
    ConsoleMessages.Reply older = run(command(keyId, key, nextId - 10, "meter set-total water-meter 7"));
    assertEquals(3, older.status(), older.output());
    assertTrue(older.output().contains("is not above"), older.output());
  }

  @Test
  void aLongReplyIsCutToTheCapAndSaysSo() throws Exception {
    pole = new Pole(dir).started();
    for (int i = 0; i < RecentLog.CAPACITY; i++) {
      RecentLog.add("line " + i + " " + "y".repeat(150));
    }
    ConsoleMessages.Reply log = run(command(pole.platform.keyId, pole.platform.key.getPrivate(), ++nextId, "log 400"));
    assertEquals(0, log.status());
    assertTrue(log.output().getBytes(StandardCharsets.UTF_8).length <= ConsoleMessages.MAX_REPLY_OUTPUT_BYTES, "capped");
    assertTrue(log.output().contains("... (output cut at 4096 of "), log.output().substring(Math.max(0, log.output().length() - 200)));
  }
}
