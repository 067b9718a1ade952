package io.mast.tools;

import io.mast.ota.BundleFile;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.Topics;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The chunks of one bundle served on the poles' requests ({@code oc}) by {@value #SENDERS} sender
 * threads (each publish waits for the broker's PUBACK: several keep the link to the broker busy
 * when it is a round trip away), with what waits to be sent bounded.
 *
 * <p>For an offer to a group, a chunk goes to the group's {@code od} the first time a pole asks
 * for it: every pole downloading that offer listens there from before its first request (the
 * pole subscribes before it asks, on the same connection), so one publish reaches them all and
 * the broker's fan-out does the rest. A pole asking for the first time for a chunk that went to
 * the group after its first request, within the fan-out window, asked before it arrived: it is on
 * its way and not sent again. A pole asking for one that went to the group before its first
 * request (it was not listening yet), longer ago than the window, or asking for it again (it
 * dropped it, or lost its connection) gets it on its own {@code od} only: every pole receives each chunk it lacks about once, and a straggler
 * does not cost the group's other poles its bytes. For an offer to one device every chunk goes to
 * that device's topic. With a group rate, chunks go to the group at most that many bytes a
 * second (the poles' link speed, so that neither the broker's queue for a slow pole nor the pole's
 * own queue overflows); single poles' chunks go meanwhile.
 *
 * <p>Memory: the bundle is read chunk by chunk from its file; what waits is a bit per chunk for
 * the group and at most {@code maxWaiting} (pole, chunk) pairs for single poles. A request past
 * that is dropped and counted; the pole asks again after its resend time.
 */
final class ChunkServer implements AutoCloseable {
  /** Publishes in flight at once (Paho's default window is 10). */
  static final int SENDERS = 4;
  /** What was asked and sent so far. */
  record Counts(long requests, long askedChunks, long askedBytes, long groupChunks, long groupBytes, long directChunks,
      long directBytes, long onTheirWay, long dropped, long failed) {}

  /** Publishes one message at QoS 1 and returns once the broker has it. */
  interface Sender {
    void publish(String topic, byte[] payload) throws Exception;
  }

  private record Want(String device, int chunk) {}

  private final BundleFile bundle;
  private final OtaManifestMessage manifest;
  private final Topics topics;
  /** The group's {@code od}, or null for an offer to one device. */
  private final String groupTopic;
  private final long fanWindowNanos;
  private final int maxWaiting;
  /** Bytes a second to the group at most; 0: as fast as the poles ask. */
  private final long groupBytesPerS;
  /** System.nanoTime() from which the next chunk may go to the group. Guarded by lock. */
  private long nextGroupAt = System.nanoTime();
  private final Sender sender;
  private final Object lock = new Object();
  /** System.nanoTime() of each chunk's last publish to the group; 0 never. Guarded by lock. */
  private final long[] groupSentAt;
  private final BitSet groupWaiting = new BitSet();
  /** Each pole's first request (System.nanoTime(): it listened on the group's topic from then on) and its last asks. Guarded by lock. */
  private final java.util.Map<String, Asker> askers = new java.util.HashMap<>();
  /** Poles served on their own od only (see {@link #alone}). */
  private final java.util.Set<String> alone = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A pole of the group: when it first asked, and the last {@value #RECENT} chunks it asked for (a pole asks four at a time). */
  private static final class Asker {
    static final int RECENT = 16;
    final long since;
    final int[] recent = new int[RECENT];
    int next;

    Asker(long since) {
      this.since = since;
      java.util.Arrays.fill(recent, -1);
    }

    /** Whether {@code chunk} was asked for lately; it is remembered as asked now. */
    boolean askedBefore(int chunk) {
      for (int c : recent) {
        if (c == chunk) {
          return true;
        }
      }
      recent[next] = chunk;
      next = (next + 1) % RECENT;
      return false;
    }
  }
  private final LinkedHashSet<Want> directWaiting = new LinkedHashSet<>();
  private boolean closed;
  private final java.util.List<Thread> threads = new java.util.ArrayList<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong askedChunks = new AtomicLong();
  private final AtomicLong askedBytes = new AtomicLong();
  private final AtomicLong groupChunks = new AtomicLong();
  private final AtomicLong groupBytes = new AtomicLong();
  private final AtomicLong directChunks = new AtomicLong();
  private final AtomicLong directBytes = new AtomicLong();
  private final AtomicLong onTheirWay = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  ChunkServer(BundleFile bundle, Topics topics, String group, long fanWindowMillis, int maxWaiting, long groupBytesPerS, Sender sender) {
    this.bundle = bundle;
    this.manifest = bundle.manifest();
    this.topics = topics;
    this.groupTopic = group == null ? null : topics.groupTopic(group, Topics.Kind.OTA_CHUNK_DATA);
    this.fanWindowNanos = TimeUnit.MILLISECONDS.toNanos(fanWindowMillis);
    this.maxWaiting = maxWaiting;
    this.groupBytesPerS = groupBytesPerS;
    this.sender = sender;
    this.groupSentAt = new long[manifest.chunks().size()];
    for (int i = 0; i < SENDERS; i++) {
      Thread t = new Thread(this::run, "mast-ota-chunks-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
  }

  /**
   * From now on {@code device}'s asks are served on its own {@code od} only: a pole of the group
   * that was offered the bundle on its own topic (its full manifest, for a patch it could not use)
   * does not listen to the group's.
   */
  void alone(String device) {
    alone.add(device);
  }

  /** A pole's request for this bundle's chunks (its bundle checked by the caller). Any thread; never blocks on the broker. */
  void requested(String device, OtaMessages.ChunkRequest r) {
    requests.incrementAndGet();
    long now = System.nanoTime();
    synchronized (lock) {
      boolean grouped = groupTopic != null && !alone.contains(device);
      Asker asker = grouped ? askers.computeIfAbsent(device, d -> new Asker(now)) : null;
      for (int i : r.chunks()) {
        if (i < 0 || i >= groupSentAt.length) {
          continue;
        }
        askedChunks.incrementAndGet();
        askedBytes.addAndGet(manifest.chunks().get(i).size());
        long sentAt = groupSentAt[i];
        boolean again = asker != null && asker.askedBefore(i);
        if (grouped && sentAt == 0) {
          groupWaiting.set(i); // the first ask: to the group, once for every pole that asks before it goes
        } else if (grouped && !again && sentAt - asker.since >= 0 && now - sentAt < fanWindowNanos) {
          onTheirWay.incrementAndGet(); // sent to the group, which this pole listened to, a moment ago: it asked before it arrived
        } else if (directWaiting.size() < maxWaiting) {
          directWaiting.add(new Want(device, i));
        } else {
          dropped.incrementAndGet();
        }
      }
      lock.notifyAll();
    }
  }

  Counts counts() {
    return new Counts(requests.get(), askedChunks.get(), askedBytes.get(), groupChunks.get(), groupBytes.get(), directChunks.get(),
        directBytes.get(), onTheirWay.get(), dropped.get(), failed.get());
  }

  /**
   * A sender: the group's chunks first (lowest index first: the poles ask in order) when the
   * group's pace allows, else single poles' in the order asked.
   */
  private void run() {
    while (true) {
      String topic;
      int chunk;
      synchronized (lock) {
        boolean groupDue;
        while (true) {
          if (closed) {
            return;
          }
          long now = System.nanoTime();
          groupDue = !groupWaiting.isEmpty() && now - nextGroupAt >= 0;
          if (groupDue || !directWaiting.isEmpty()) {
            break;
          }
          try {
            if (groupWaiting.isEmpty()) {
              lock.wait();
            } else {
              TimeUnit.NANOSECONDS.timedWait(lock, nextGroupAt - now); // the group's pace
            }
          } catch (InterruptedException e) {
            return;
          }
        }
        if (groupDue) {
          long now = System.nanoTime();
          chunk = groupWaiting.nextSetBit(0);
          groupWaiting.clear(chunk);
          groupSentAt[chunk] = now; // from now on an ask is on its way, even while the publish is going out
          if (groupBytesPerS > 0) {
            nextGroupAt = Math.max(now, nextGroupAt) + manifest.chunks().get(chunk).size() * 1_000_000_000L / groupBytesPerS;
          }
          topic = groupTopic;
        } else {
          Iterator<Want> it = directWaiting.iterator();
          Want w = it.next();
          it.remove();
          chunk = w.chunk();
          topic = topics.topic(w.device(), Topics.Kind.OTA_CHUNK_DATA);
        }
      }
      boolean toGroup = topic.equals(groupTopic);
      try {
        byte[] data = bundle.chunk(chunk);
        sender.publish(topic, new OtaMessages.ChunkData(manifest.bundleSha256(), chunk, data).toBytes());
        (toGroup ? groupChunks : directChunks).incrementAndGet();
        (toGroup ? groupBytes : directBytes).addAndGet(data.length);
      } catch (Exception e) {
        long n = failed.incrementAndGet();
        if (toGroup) {
          synchronized (lock) {
            groupSentAt[chunk] = 0; // not sent: the next ask sends it to the group again
          }
        }
        if (n == 1 || n % 100 == 0) {
          System.err.println("mast ota publish: serving chunk " + chunk + " on " + topic + " failed: " + e.getMessage() + " (" + n
              + " failed so far)");
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Thread t : threads) {
      TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
    }
  }
}
