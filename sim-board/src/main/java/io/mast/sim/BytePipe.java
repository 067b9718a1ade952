package io.mast.sim;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One direction of an in-process serial line: a bounded ring of bytes. Like a UART's receive
 * buffer, it never blocks the sender: bytes that do not fit are dropped and counted
 * ({@link #overruns()}). Thread-safe for one writer and one reader.
 */
final class BytePipe {
  private final byte[] ring;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private int head;
  private int size;
  private long overruns;

  BytePipe(int capacity) {
    ring = new byte[capacity];
  }

  void write(byte[] bytes, int offset, int length) {
    lock.lock();
    try {
      for (int i = 0; i < length; i++) {
        if (size == ring.length) {
          overruns += length - i;
          break;
        }
        ring[(head + size++) % ring.length] = bytes[offset + i];
      }
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  int read(byte[] buffer, int offset, int length, long timeoutMillis) throws InterruptedException {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (size == 0 && nanos > 0) {
        nanos = readable.awaitNanos(nanos);
      }
      int n = Math.min(length, size);
      for (int i = 0; i < n; i++) {
        buffer[offset + i] = ring[head];
        head = (head + 1) % ring.length;
      }
      size -= n;
      return n;
    } finally {
      lock.unlock();
    }
  }

  int available() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  long overruns() {
    lock.lock();
    try {
      return overruns;
    } finally {
      lock.unlock();
    }
  }
}
