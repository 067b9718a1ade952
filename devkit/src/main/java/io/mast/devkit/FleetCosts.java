package io.mast.devkit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the fleet's JVM holds at one moment (heap in use after a full collection, live threads,
 * open file descriptors, bytes in the poles' state directories), and the machine limits that
 * bound how many poles one JVM can run.
 */
record FleetCosts(long heapBytes, int threads, int fds, long diskBytes) {
  /** Threads a connected pole cannot share: its MQTT client's receiver, sender and callback. */
  static final int THREADS_PER_POLE = 3;

  static FleetCosts now(Path stateRoot) throws IOException {
    System.gc();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heap = rt.totalMemory() - rt.freeMemory();
    int threads = ManagementFactory.getThreadMXBean().getThreadCount();
    int fds;
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      fds = (int) s.count();
    }
    long disk = 0;
    if (Files.isDirectory(stateRoot)) {
      try (Stream<Path> s = Files.walk(stateRoot)) {
        disk = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
    }
    return new FleetCosts(heap, threads, fds, disk);
  }

  /** Per pole, from {@code before} (no poles) to this ({@code poles} running). */
  String perPole(FleetCosts before, int poles) {
    return String.format(java.util.Locale.ROOT, "pole_heap_kb=%.1f pole_threads=%.2f pole_fds=%.2f pole_disk_kb=%.1f",
        (heapBytes - before.heapBytes) / 1024.0 / poles, (threads - before.threads) / (double) poles,
        (fds - before.fds) / (double) poles, (diskBytes - before.diskBytes) / 1024.0 / poles);
  }

  /**
   * What in this machine's limits keeps {@code poles} poles (with {@code fdsPerPole} descriptors
   * each) from running in this JVM, each with the command that raises it; empty when they fit.
   */
  static List<String> shortfalls(int poles, int fdsPerPole) throws IOException {
    List<String> out = new ArrayList<>();
    long threads = (long) poles * THREADS_PER_POLE + 200;
    long pidMax = readLong("/proc/sys/kernel/pid_max");
    if (threads > pidMax - 2_000) {
      out.add(String.format("%,d poles need about %,d threads and kernel.pid_max is %,d: sysctl -w kernel.pid_max=4194304",
          poles, threads, pidMax));
    }
    long maps = threads * 2 + 10_000; // a thread's stack and its guard, then the heap, code and libraries
    long mapMax = readLong("/proc/sys/vm/max_map_count");
    if (maps > mapMax) {
      out.add(String.format("%,d poles need about %,d memory mappings and vm.max_map_count is %,d: sysctl -w vm.max_map_count=262144",
          poles, maps, mapMax));
    }
    long fds = (long) poles * fdsPerPole + FleetPoles.OPEN_FILES + 500;
    long nofile = openFilesLimit();
    if (fds > nofile) {
      out.add(String.format("%,d poles need about %,d file descriptors and this process may open %,d: ulimit -n %d (as root:"
          + " prlimit --nofile=%d:%d --pid $$, or raise the hard limit in limits.conf)", poles, fds, nofile, fds, fds, fds));
    }
    return out;
  }

  private static long readLong(String file) throws IOException {
    return Long.parseLong(Files.readAllLines(Path.of(file)).get(0).trim()); // readString stops short on /proc
  }

  /** The soft limit of open files ("Max open files" in /proc/self/limits). */
  static long openFilesLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    return Long.MAX_VALUE;
  }
}
