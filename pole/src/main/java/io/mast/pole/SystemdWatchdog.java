package io.mast.pole;

import io.mast.runtime.EdgeRuntime;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Mast under systemd ({@code Type=notify}, {@code WatchdogSec=}): {@code READY=1} once the
 * runtime is up (store open, uplink started), then {@code WATCHDOG=1} every half watchdog
 * interval, only while the runtime's own work turns ({@link EdgeRuntime#stuck()}: the sampling
 * timer, the uplink loop, the store's group commit), each with {@code STATUS=} the status line;
 * {@code STOPPING=1} when it stops. A stuck runtime is reported in {@code STATUS=} and left to
 * systemd, which kills it after {@code WatchdogSec} and starts it again (the launcher counts the
 * start of a trial slot).
 */
final class SystemdWatchdog implements AutoCloseable {
  /** How often STATUS= is refreshed when systemd asked for no watchdog. */
  static final long STATUS_EVERY_MS = 10_000;

  private final SystemdNotify notify;
  private final EdgeRuntime runtime;
  private final Supplier<String> status;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "mast-watchdog");
    t.setDaemon(true);
    return t;
  });
  private volatile String reported;
  private volatile boolean stopped;

  private SystemdWatchdog(SystemdNotify notify, EdgeRuntime runtime, Supplier<String> status) {
    this.notify = notify;
    this.runtime = runtime;
    this.status = status;
  }

  /** Started from the environment systemd gives ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID}); null without one. */
  static SystemdWatchdog fromEnvironment(EdgeRuntime runtime, Supplier<String> status) {
    String socket = System.getenv("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return null;
    }
    String pid = System.getenv("WATCHDOG_PID");
    long usec = 0;
    String given = System.getenv("WATCHDOG_USEC");
    if (given != null && given.matches("[0-9]{1,15}") && (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
      usec = Long.parseLong(given);
    }
    return start(runtime, status, socket, usec);
  }

  /** Sends READY=1 to {@code socket} and pings every {@code watchdogUsec}/2 (0: no watchdog, STATUS= only). */
  static SystemdWatchdog start(EdgeRuntime runtime, Supplier<String> status, String socket, long watchdogUsec) {
    SystemdNotify notify;
    try {
      notify = SystemdNotify.open(socket);
    } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
      Logger.error("systemd: cannot notify {}: {}; running without READY=1 and watchdog pings", socket, e.getMessage());
      return null;
    }
    SystemdWatchdog w = new SystemdWatchdog(notify, runtime, status);
    runtime.watchLiveness();
    w.send("READY=1\nSTATUS=" + w.status.get());
    long every = watchdogUsec > 0 ? Math.max(50, watchdogUsec / 2000) : STATUS_EVERY_MS;
    boolean watchdog = watchdogUsec > 0;
    w.thread.scheduleAtFixedRate(() -> w.turn(watchdog), every, every, TimeUnit.MILLISECONDS);
    Logger.info("systemd: ready sent to {}{}", socket, watchdog ? "; watchdog pings every " + every + " ms while the runtime turns" : "");
    return w;
  }

  private void turn(boolean watchdog) {
    try {
      List<String> stuck = runtime.stuck();
      if (stuck.isEmpty()) {
        if (reported != null) {
          Logger.info("systemd: the runtime turns again");
          reported = null;
        }
        send((watchdog ? "WATCHDOG=1\n" : "") + "STATUS=" + status.get());
      } else {
        String why = String.join("; ", stuck);
        if (!why.equals(reported)) {
          Logger.error("systemd: no watchdog ping: {}", why);
          reported = why;
        }
        send("STATUS=stuck: " + why);
      }
    } catch (RuntimeException e) {
      Logger.error(e, "systemd: the watchdog's turn failed");
    }
  }

  private void send(String state) {
    String failed = notify.send(state);
    if (failed != null) {
      Logger.warn("systemd: {}", failed);
    }
  }

  /** STOPPING=1 and no more pings: the runtime is about to stop. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    thread.shutdownNow();
    send("STOPPING=1\nSTATUS=stopping");
    notify.close();
  }
}
