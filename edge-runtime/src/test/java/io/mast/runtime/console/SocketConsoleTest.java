package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.ConsoleMessages;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console on the runtime's Unix socket ({@code mast console}), read as raw bytes: the socket
 * is the owner's only, CRLF answers, and a login left idle is logged out on the pole's (manual)
 * clock with its staged edits dropped and audited.
 */
class SocketConsoleTest {
  @TempDir
  Path dir;

  private Pole pole;
  private SocketChannel client;
  private final StringBuilder seen = new StringBuilder();

  @AfterEach
  void closeAll() throws Exception {
    if (client != null) {
      client.close();
    }
    if (pole != null) {
      pole.close();
    }
  }

  private void send(String text) throws IOException {
    client.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Waits (bounded) until what the console wrote contains {@code text}; returns everything so far. */
  private String await(String text) {
    Awaitility.await("'" + text + "' from the console").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
      ByteBuffer b = ByteBuffer.allocate(4096);
      int n = client.read(b);
      if (n > 0) {
        seen.append(new String(b.array(), 0, n, StandardCharsets.UTF_8));
      }
      return seen.toString().contains(text);
    });
    return seen.toString();
  }

  @Test
  void theSocketIsTheOwnersOnlyAndAnIdleLoginIsLoggedOutWithItsStagedEditsDropped() throws Exception {
    pole = new Pole(dir).startedManually();
    Path socket = pole.runtime.console().serveSocket(dir.resolve("run").resolve("console.sock"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    client = SocketChannel.open(StandardProtocolFamily.UNIX);
    client.connect(UnixDomainSocketAddress.of(socket));
    client.configureBlocking(false);
    await(Pole.ID + "> ");
    send("login\r\n");
    await("PIN: ");
    send(Pole.PIN + "\r\n");
    assertTrue(await("logged in as technician; changes are audited").contains("PIN: \r\nlogged in"),
        "the PIN is not echoed, the CR LF ends one line: " + seen);
    send("config set uplink.batch_window_s 60\r\n");
    await("staged: uplink.batch_window_s = 60");
    // nothing happens before the idle time: nine minutes on the pole's clock, and a command still runs logged in
    pole.manual.advance(Duration.ofMinutes(9));
    send("whoami\r\n");
    assertTrue(await("may read and change").contains("technician@socket"), seen.toString());
    pole.manual.advance(Duration.ofMinutes(10));
    String out = await("logged out after 10 min without a key pressed; staged edits dropped");
    ConsoleMessages.Audit audit = pole.awaitAudit("logout: logged out after 10 min idle");
    assertTrue(audit.what().endsWith("1 staged config edits dropped, nothing applied"), audit.toString());
    assertEquals(1, pole.runtime.config().getVersion());
    send("whoami\r\n");
    await("anonymous@socket");
    assertTrue(!out.contains(Pole.PIN), out);
  }
}
