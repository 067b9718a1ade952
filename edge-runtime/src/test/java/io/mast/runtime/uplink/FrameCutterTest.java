package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.protocol.Channel;
import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameEncoder;
import io.mast.protocol.Reading;
import io.mast.store.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCutterTest {
  private static final ChannelProfile PROFILE = ChannelProfile.of(List.of(
      new Channel(0, "a", "", 0, 10, Channel.Kind.GAUGE, ""),
      new Channel(1, "b", "", -1, 10, Channel.Kind.COUNTER, "")));
  private final FrameEncoder encoder = FrameEncoder.builder(PROFILE).maxFrameBytes(256).build();

  /** Records of two noisy readings each, a cut after every {@code cutEvery} records (0 = none). */
  private static List<StoredRecord> records(int n, int cutEvery, long seed) {
    Random random = new Random(seed);
    List<StoredRecord> out = new ArrayList<>();
    long seq = 1;
    long counter = 0;
    for (int i = 0; i < n; i++) {
      long t = 1_700_000_000L + i * 10L;
      counter += random.nextInt(5000);
      out.add(new StoredRecord(seq++, List.of(new Reading(0, t, random.nextInt(1_000_000)), new Reading(1, t, counter))));
      if (cutEvery > 0 && (i + 1) % cutEvery == 0) {
        out.add(new StoredRecord(seq++, List.of()));
      }
    }
    return out;
  }

  /** Cuts everything {@code all} holds, handing the cutter the records in pieces of {@code step}. */
  private List<FrameCutter.Cut> cutAll(List<StoredRecord> all, int step) {
    FrameCutter cutter = new FrameCutter(encoder);
    List<FrameCutter.Cut> cuts = new ArrayList<>();
    List<StoredRecord> ahead = new ArrayList<>();
    int fed = 0;
    while (true) {
      Optional<FrameCutter.Cut> c = cutter.next(ahead);
      if (c.isPresent()) {
        cuts.add(c.get());
        long last = c.get().lastRecord();
        ahead.removeIf(r -> r.seq() <= last);
      } else if (fed < all.size()) {
        int to = Math.min(all.size(), fed + step);
        ahead.addAll(all.subList(fed, to));
        fed = to;
      } else {
        return cuts;
      }
    }
  }

  @Test
  void framesAreTheSameWhetherRecordsArriveOneByOneOrAllAtOnce() {
    List<StoredRecord> all = records(700, 97, 3);
    List<FrameCutter.Cut> byOne = cutAll(all, 1);
    List<FrameCutter.Cut> byMany = cutAll(all, 1000);
    List<FrameCutter.Cut> bySeven = cutAll(all, 7);
    assertTrue(byOne.size() > 10, "several frames: " + byOne.size());
    assertEquals(byOne.size(), byMany.size());
    assertEquals(byOne.size(), bySeven.size());
    for (int i = 0; i < byOne.size(); i++) {
      assertEquals(byOne.get(i).firstRecord(), byMany.get(i).firstRecord());
      assertEquals(byOne.get(i).lastRecord(), bySeven.get(i).lastRecord());
      if (byOne.get(i).hasFrame()) {
        assertArrayEquals(byOne.get(i).frame().bytes(), byMany.get(i).frame().bytes());
      }
    }
  }

  @Test
  void everyReadingIsInExactlyOneFrameOfAtMostTheMaximumSizeAndFramesEndAtCuts() throws Exception {
    List<StoredRecord> all = records(480, 40, 5); // ends with a cut: every record is in a frame
    List<FrameCutter.Cut> cuts = cutAll(all, 3);
    FrameDecoder decoder = new FrameDecoder(PROFILE);
    List<Reading> sent = new ArrayList<>();
    long expectedFirst = 1;
    for (FrameCutter.Cut c : cuts) {
      assertEquals(expectedFirst, c.firstRecord(), "frames cover the records without gaps");
      expectedFirst = c.lastRecord() + 1;
      assertNotNull(c.frame(), "no cut runs back to back here");
      assertTrue(c.frame().bytes().length <= 256, "frame of " + c.frame().bytes().length + " bytes");
      DecodedFrame f = decoder.decode(c.frame().bytes());
      assertEquals(FrameCutter.telemetrySeq(c.firstRecord()), f.seq());
      sent.addAll(f.readings());
      for (StoredRecord r : all) {
        boolean inside = r.seq() > c.firstRecord() && r.seq() < c.lastRecord();
        assertFalse(inside && r.isCut(), "a frame never spans a cut");
      }
    }
    List<Reading> stored = all.stream().flatMap(r -> r.readings().stream()).toList();
    assertEquals(stored, sent);
  }

  @Test
  void aRunWithoutCutOrFullFrameIsNotAFrameYet() {
    FrameCutter cutter = new FrameCutter(encoder);
    List<StoredRecord> few = records(3, 0, 1);
    assertEquals(Optional.empty(), cutter.next(few));
    List<StoredRecord> closed = new ArrayList<>(few);
    closed.add(new StoredRecord(4, List.of()));
    FrameCutter.Cut c = cutter.next(closed).orElseThrow();
    assertEquals(1, c.firstRecord());
    assertEquals(4, c.lastRecord(), "the cut is acknowledged with the frame it closes");
    assertEquals(6, c.frame().readings());
  }

  @Test
  void aLeadingCutIsPassedOverWithoutAFrame() {
    FrameCutter.Cut c = new FrameCutter(encoder).next(List.of(new StoredRecord(9, List.of()))).orElseThrow();
    assertFalse(c.hasFrame());
    assertEquals(9, c.lastRecord());
  }

  @Test
  void aRecordTooLargeForOneFrameIsDroppedWithAReason() {
    List<Reading> many = new ArrayList<>();
    Random random = new Random(1);
    for (int i = 0; i < 200; i++) {
      many.add(new Reading(0, 1_700_000_000L + i * 7919L, random.nextLong()));
    }
    FrameCutter.Cut c = new FrameCutter(encoder).next(List.of(new StoredRecord(1, many), new StoredRecord(2, List.of()))).orElseThrow();
    assertFalse(c.hasFrame());
    assertTrue(c.dropped().contains("does not fit"), c.dropped());
  }

  @Test
  void alarmAndTelemetrySequenceNumbersNeverCollide() {
    for (long s = 1; s < 1000; s++) {
      assertEquals(0, FrameCutter.telemetrySeq(s) % 2);
      assertEquals(1, FrameCutter.alarmSeq(s) % 2);
    }
  }
}
