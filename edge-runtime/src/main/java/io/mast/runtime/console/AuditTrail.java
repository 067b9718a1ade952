package io.mast.runtime.console;

import io.mast.protocol.ConsoleMessages;
import io.mast.protocol.Topics;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import io.mast.seams.SerialExecutor;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.tinylog.Logger;

/**
 * The audit on the pole and at the platform: each entry is forced into the local
 * {@link AuditLog} first, then sent on topic {@code au} ({@link ConsoleMessages.Audit}, QoS 1)
 * once the link is up, oldest first, one at a time. The number of the newest entry the broker
 * acknowledged is kept in a {@link TwoSlotFile} (magic "MAUD", 8 bytes), so entries made while
 * the link was down, or before a power cut, go out later; an entry acknowledged but not yet
 * recorded as such is sent again, and the platform drops it by its number.
 *
 * <p>Threads: {@link #record} from any thread (serialised here); sending one step at a time on
 * the pole's threads ({@code mast-audit}), woken by a new entry, a connect, or a retry timer.
 */
final class AuditTrail implements AutoCloseable {
  static final Duration RETRY = Duration.ofSeconds(5);
  private static final int MAGIC = 0x4d415544; // "MAUD"

  private final AuditLog log;
  private final TwoSlotFile cursorFile;
  private final Link link;
  private final Clock clock;
  private final Scheduler timer;
  private final SerialExecutor sender;
  private long delivered;
  private boolean sending;
  private volatile boolean closed;

  private AuditTrail(AuditLog log, TwoSlotFile cursorFile, Link link, Clock clock, Scheduler timer, SerialExecutor sender) {
    this.sender = sender;
    this.log = log;
    this.cursorFile = cursorFile;
    this.link = link;
    this.clock = clock;
    this.timer = timer;
    if (!cursorFile.opened().empty() && cursorFile.opened().payload().length >= 8) {
      delivered = ByteBuffer.wrap(cursorFile.opened().payload()).getLong();
    }
  }

  /** @param sender where sending runs, one step at a time */
  static AuditTrail open(DurableFiles files, Path dir, Link link, Clock clock, Scheduler timer, SerialExecutor sender) throws IOException {
    AuditLog log = AuditLog.open(files, dir, 256 * 1024);
    TwoSlotFile cursor = TwoSlotFile.open(files, dir.resolve("audit.sent"), MAGIC, 32);
    AuditTrail trail = new AuditTrail(log, cursor, link, clock, timer, sender);
    link.onStateChange(s -> {
      if (s == Link.State.CONNECTED) {
        trail.wake();
      }
    });
    trail.wake();
    return trail;
  }

  /** Records what {@code who} did, on flash before this returns, and has it sent. */
  synchronized AuditLog.Entry record(String who, String what) throws IOException {
    AuditLog.Entry e = log.append(clock.instant(), who, what);
    Logger.info("audit: #{} {} {}", e.seq(), who, what);
    wake();
    return e;
  }

  synchronized List<AuditLog.Entry> recent(int n) throws IOException {
    return log.recent(n);
  }

  /** The number of the newest entry the broker has acknowledged. */
  synchronized long delivered() {
    return delivered;
  }

  private void wake() {
    if (!closed) {
      try {
        sender.execute(this::sendNext);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  /** On the sender thread: the oldest entry not yet acknowledged, when the link is up and none is in flight. */
  private void sendNext() {
    AuditLog.Entry next;
    synchronized (this) {
      if (closed || sending || link.state() != Link.State.CONNECTED) {
        return;
      }
      try {
        List<AuditLog.Entry> after = log.after(delivered, 1);
        if (after.isEmpty()) {
          return;
        }
        next = after.get(0);
      } catch (IOException e) {
        Logger.warn("audit: reading the audit log failed: {}", e.getMessage());
        return;
      }
      sending = true;
    }
    byte[] payload = new ConsoleMessages.Audit(next.seq(), next.time().toEpochMilli(), next.who(), next.what()).toBytes();
    link.publish(Topics.Kind.AUDIT, payload, false).whenComplete((v, failure) -> sender.execute(() -> {
      synchronized (this) {
        sending = false;
        if (failure == null) {
          delivered = Math.max(delivered, next.seq());
          try {
            cursorFile.write(1, ByteBuffer.allocate(8).putLong(delivered).array());
          } catch (IOException e) {
            Logger.warn("audit: recording that #{} was delivered failed ({}); it may be sent again", next.seq(), e.getMessage());
          }
        }
      }
      if (failure == null) {
        sendNext();
      } else if (!closed) {
        timer.schedule(RETRY, this::wake);
      }
    }));
  }

  @Override
  public void close() {
    closed = true;
    sender.shutdown();
    try {
      sender.awaitIdle(Duration.ofSeconds(2));
      cursorFile.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("audit: closing the delivery cursor: {}", e.getMessage());
    }
  }
}
