package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The emulated link keeps every byte, in order, whatever its latency and jitter do to each chunk. */
class LinkShaperTest {
  @Test
  void bytesArriveWholeAndInOrderThroughJitter() throws Exception {
    byte[] sent = new byte[64 * 1024];
    new Random(3).nextBytes(sent);
    try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         LinkShaper link = LinkShaper.to("127.0.0.1", target.getLocalPort()).bitsPerSecond(0)
             .latency(Duration.ofMillis(5)).jitter(Duration.ofMillis(20)).seed(11).start(0)) {
      CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
        try (Socket s = target.accept(); InputStream in = s.getInputStream()) {
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          byte[] buf = new byte[4096];
          while (got.size() < sent.length) {
            int n = in.read(buf);
            if (n < 0) {
              break;
            }
            got.write(buf, 0, n);
          }
          return got.toByteArray();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (Socket client = new Socket("127.0.0.1", link.port()); OutputStream out = client.getOutputStream()) {
        client.setTcpNoDelay(true);
        // many small writes, each its own chunk with its own jitter
        for (int at = 0; at < sent.length; at += 97) {
          out.write(sent, at, Math.min(97, sent.length - at));
          out.flush();
        }
        byte[] got = received.get(60, TimeUnit.SECONDS);
        assertEquals(sent.length, got.length);
        assertArrayEquals(sent, got, "every byte, in order");
      }
    }
  }
}
