package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.ControlLimits;
import io.mast.runtime.uplink.InboundGuard.InboundViolation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The broker's bytes as the guard frames them: what passes untouched and what stops the connection, with why. */
class InboundGuardTest {
  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final List<InboundViolation> told = new ArrayList<>();

  private InboundGuard guard(byte[] bytes) {
    return new InboundGuard(new ByteArrayInputStream(bytes), now::get, told::add);
  }

  private static byte[] hex(String text) {
    return HexFormat.of().parseHex(text.replace(" ", ""));
  }

  /** A session as a broker sends it: CONNACK, SUBACK, a QoS 1 PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, PINGRESP. */
  private static final String SESSION = "20 02 01 00" + "90 03 00 01 01" + "32 0d 00 05 6d2f702f63 00 07 7631 2e30" + "40 02 00 09"
      + "50 02 00 0a" + "62 02 00 0a" + "70 02 00 0a" + "b0 02 00 0b" + "d0 00";

  @Test
  void packetsAServerMaySendPassByteForByteWhateverTheReadSizes() throws IOException {
    byte[] session = hex(SESSION);
    InboundGuard single = guard(session);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b; (b = single.read()) >= 0; ) {
      out.write(b);
    }
    assertArrayEquals(session, out.toByteArray());
    assertEquals(9, single.packets());
    for (int size = 1; size <= session.length; size++) {
      InboundGuard bulk = guard(session);
      byte[] buffer = new byte[size];
      out.reset();
      for (int n; (n = bulk.read(buffer, 0, size)) >= 0; ) {
        out.write(buffer, 0, n);
      }
      assertArrayEquals(session, out.toByteArray(), "reads of " + size);
      assertEquals(9, bulk.packets(), "reads of " + size);
      assertEquals(0, bulk.stalledNanos());
      assertNull(bulk.violation());
    }
    assertTrue(told.isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a length of 5 bytes   | d0 80 80 80 80 01              | 0 |remaining length runs past four bytes",
      "a CONNECT             | 10 02 00 04                    | 0 |packet type 1 with flags 0x0 is not one a server sends",
      "a DISCONNECT          | e0 00                          | 0 |packet type 14 with flags 0x0",
      "reserved type 15      | f0 00                          | 0 |packet type 15",
      "PUBREL without flag 2 | 60 02 00 01                    | 0 |packet type 6 with flags 0x0",
      "PUBLISH at QoS 3      | 36 05 00 01 61 00 01           | 0 |packet type 3 with flags 0x6",
      "a long CONNACK        | 20 03 00 00 00                 | 0 |CONNACK claims 3 bytes; it carries exactly 2",
      "a PINGRESP with body  | d0 01 00                       | 0 |PINGRESP claims 1 bytes; it carries exactly 0",
      "a SUBACK for 300      | 90 ae 02                       | 0 |SUBACK claims 302 bytes; it carries 3 to 258",
      "an empty topic        | 30 03 00 00 61                 | 0 |PUBLISH topic of 0 bytes",
      "a topic past the end  | 30 05 00 09 61 62 63           | 0 |PUBLISH topic of 9 bytes in a packet of 5",
      "no room for packet id | 32 04 00 02 61 62              | 0 |PUBLISH claims 4 bytes; it carries at least 5",
      "a NUL in the topic    | 30 05 00 03 61 00 62           | 0 |PUBLISH topic with the byte 0x00",
      "an escape in a topic  | 30 05 00 03 1b 5b 32           | 0 |PUBLISH topic with the byte 0x1b",
      "a wildcard topic      | 30 05 00 03 6d 2f 23           | 0 |PUBLISH topic with the byte 0x23",
      "UTF-8 in a topic      | 30 06 00 04 6d c3 a9 78        | 0 |PUBLISH topic with the byte 0xc3",
  })
  void whatNoServerSendsStopsAtTheByteThatGivesItAway(String name, String bytes, int passed, String said) throws IOException {
    InboundGuard g = guard(hex(bytes));
    int read = 0;
    InboundViolation v = null;
    try {
      while (g.read() >= 0) {
        read++;
      }
    } catch (InboundViolation e) {
      v = e;
    }
    assertTrue(v != null, name + ": refused");
    assertTrue(v.getMessage().contains(said), v.getMessage());
    assertEquals(passed, read, "bytes of the refused packet handed on: none, its head is held until checked");
    assertEquals(List.of(v), told, "told as it was found");
    assertSame(v, assertThrows(InboundViolation.class, g::read), "and every read after");
    assertEquals(v.getMessage(), g.violation());
  }

  @Test
  void aPublishOverTheCapIsHandedOnEmptyWithItsTopicPacketIdAndFlagsAndTheNextPacketFollows() throws IOException {
    int topic = 8;
    byte[] fits = publish(topic, ControlLimits.MAX_CONTROL_MESSAGE_BYTES);
    List<String> emptied = new ArrayList<>();
    InboundGuard g = new InboundGuard(new ByteArrayInputStream(fits), now::get, told::add, (t, n) -> emptied.add(t + " " + n),
        t -> true);
    assertArrayEquals(fits, g.readAllBytes(), "the largest control message passes whole");
    assertEquals(List.of(), emptied);
    for (int qos = 0; qos <= 1; qos++) {
      for (int topicBytes : new int[] {8, ControlLimits.MAX_TOPIC_BYTES}) {
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        sent.writeBytes(publish(0x30 | qos << 1 | 1, topicBytes, 0x1234, ControlLimits.MAX_CONTROL_MESSAGE_BYTES + 1 + qos));
        sent.writeBytes(hex("d0 00"));
        emptied.clear();
        byte[] passed;
        for (int size : new int[] {1, 7, 4096}) {
          InboundGuard over = new InboundGuard(new ByteArrayInputStream(sent.toByteArray()), now::get, told::add,
              (t, n) -> emptied.add(t.length() + " " + n), t -> true);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          byte[] buffer = new byte[size];
          for (int n; (n = over.read(buffer, 0, size)) >= 0; ) {
            out.write(buffer, 0, n);
          }
          passed = out.toByteArray();
          ByteArrayOutputStream expected = new ByteArrayOutputStream();
          expected.writeBytes(publish(0x30 | qos << 1 | 1, topicBytes, 0x1234, 0));
          expected.writeBytes(hex("d0 00"));
          assertArrayEquals(expected.toByteArray(), passed, "QoS " + qos + ", topic of " + topicBytes + ", reads of " + size);
          assertEquals(2, over.packets());
          assertEquals(0, over.stalledNanos());
        }
        assertEquals(topicBytes + " " + (ControlLimits.MAX_CONTROL_MESSAGE_BYTES + 1 + qos), emptied.get(0), "told of it, with its topic and size");
        assertEquals(3, emptied.size(), "once in each of the three runs");
      }
    }
    assertTrue(told.isEmpty(), "no violation: MQTT allows a large PUBLISH " + told);
  }

  @Test
  void aPublishNotWantedIsSkippedWholeAtQos0AndHandedOnEmptyAtQos1() throws IOException {
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    sent.writeBytes(publish(0x30, 5, 0, 900)); // unwanted, QoS 0
    sent.writeBytes(publish(0x32, 5, 0x0102, 900)); // unwanted, QoS 1
    sent.writeBytes(publish(0x30, 4, 0, 3)); // wanted (a topic of 4)
    sent.writeBytes(hex("d0 00"));
    List<String> asked = new ArrayList<>();
    InboundGuard g = new InboundGuard(new ByteArrayInputStream(sent.toByteArray()), now::get, told::add, (t, n) -> { },
        topic -> {
          asked.add(topic);
          return topic.length() == 4;
        });
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(publish(0x32, 5, 0x0102, 0));
    expected.writeBytes(publish(0x30, 4, 0, 3));
    expected.writeBytes(hex("d0 00"));
    assertArrayEquals(expected.toByteArray(), g.readAllBytes());
    assertEquals(List.of("aaaaa", "aaaaa", "aaaa"), asked, "asked once per PUBLISH, with its topic");
    assertEquals(4, g.packets());
    assertTrue(told.isEmpty());
  }

  @Test
  void aHeadCutByAReadTimeoutGoesOnAtTheNextRead() throws IOException {
    byte[] whole = publish(0x32, 5, 7, 3);
    java.io.InputStream slow = new java.io.InputStream() {
      int at;
      boolean timedOut;

      @Override
      public int read() {
        throw new UnsupportedOperationException();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (at == 4 && !timedOut) {
          timedOut = true; // the socket's read timeout, in the middle of the topic
          throw new java.net.SocketTimeoutException("Read timed out");
        }
        if (at == whole.length) {
          return -1;
        }
        b[off] = whole[at++];
        return 1;
      }
    };
    InboundGuard g = new InboundGuard(slow, now::get, told::add);
    assertThrows(java.net.SocketTimeoutException.class, g::read, "nothing of the head was handed on");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b; (b = g.read()) >= 0; ) {
      out.write(b);
    }
    assertArrayEquals(whole, out.toByteArray());
    assertEquals(1, g.packets());
    assertFalse(g.readerDied());
  }

  /** A PUBLISH with first byte {@code first}, a topic of {@code topic} letters, packet id {@code id} at QoS > 0, {@code payload} bytes. */
  private static byte[] publish(int first, int topic, int id, int payload) {
    boolean withId = (first >>> 1 & 3) > 0;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(first);
    int remaining = 2 + topic + (withId ? 2 : 0) + payload;
    do {
      int b = remaining & 0x7f;
      remaining >>>= 7;
      out.write(remaining > 0 ? b | 0x80 : b);
    } while (remaining > 0);
    out.write(topic >>> 8);
    out.write(topic & 0xff);
    for (int i = 0; i < topic; i++) {
      out.write('a');
    }
    if (withId) {
      out.write(id >>> 8);
      out.write(id & 0xff);
    }
    out.write(new byte[payload], 0, payload);
    return out.toByteArray();
  }

  /** A QoS 0 PUBLISH on a topic of {@code topic} letters with {@code payload} bytes. */
  private static byte[] publish(int topic, int payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    int remaining = 2 + topic + payload;
    do {
      int b = remaining & 0x7f;
      remaining >>>= 7;
      out.write(remaining > 0 ? b | 0x80 : b);
    } while (remaining > 0);
    out.write(0);
    out.write(topic);
    for (int i = 0; i < topic; i++) {
      out.write('a');
    }
    out.write(new byte[payload], 0, payload);
    return out.toByteArray();
  }

  @Test
  void aPacketLeftHalfSentShowsHowLongItHasWaited() throws IOException {
    InboundGuard g = guard(hex("40 02 00 09" + "30 0a 00 03 6d 2f"));
    assertArrayEquals(hex("40 02 00 09"), g.readAllBytes(), "the PUBACK; the PUBLISH's head is held until all of it is there");
    now.addAndGet(2_500_000_000L);
    assertEquals(2_500_000_000L, g.stalledNanos(), "the PUBLISH began 2.5 s ago and has 6 of its 12 bytes");
    InboundGuard whole = guard(hex("40 02 00 09"));
    whole.readAllBytes();
    now.addAndGet(1_000_000_000L);
    assertEquals(0, whole.stalledNanos(), "between packets nothing is waited for");
  }

  @Test
  void aReaderThatDiesWithoutTheStreamEndingIsSeenDead() throws Exception {
    PipedOutputStream broker = new PipedOutputStream();
    InboundGuard g = new InboundGuard(new PipedInputStream(broker), now::get, told::add);
    broker.write(hex("d0 00"));
    Thread receiver = new Thread(() -> {
      try {
        g.read(new byte[2], 0, 2);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      throw new IllegalArgumentException("a malformed packet the client could not take");
    });
    receiver.start();
    receiver.join();
    assertTrue(g.readerDied(), "the receiver died of its own exception");

    InboundGuard ended = guard(hex("d0 00"));
    Thread reader = new Thread(() -> {
      try {
        ended.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    reader.start();
    reader.join();
    assertFalse(ended.readerDied(), "a reader that saw the end of the stream did not die of a bug");
  }

  @Test
  void randomBytesEndInAViolationOrPassAsWholeFramedPacketsAndNeverClaimMoreThanTheCap() throws IOException {
    java.util.Random random = new java.util.Random(11);
    int refused = 0;
    for (int run = 0; run < 2_000; run++) {
      byte[] garbage = new byte[2048];
      random.nextBytes(garbage);
      InboundGuard g = guard(garbage);
      try {
        g.readAllBytes();
      } catch (InboundViolation e) {
        refused++;
      }
    }
    System.out.printf("random 2 KiB from a broker: %d of 2000 refused, the rest framed whole or left waiting%n", refused);
    assertTrue(refused > 1_900, refused + " of 2000 refused");
  }
}
