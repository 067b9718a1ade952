package io.mast.runtime.console;

import io.mast.drivers.BoardBuses;
import io.mast.drivers.Buses;
import io.mast.drivers.SerialLink;
import io.mast.drivers.SerialSettings;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.core.Pole;
import io.mast.runtime.ota.OtaAgent;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

/**
 * The technician's console: one {@link Shell} and one authorisation rule behind every transport
 * (the board's serial port, the Unix socket {@code mast console} attaches to, the terminal, the
 * remote console over MQTT), with the login lock ({@link LoginGuard}) and the audit
 * ({@link AuditTrail}: on flash, then to the platform on {@code au}).
 *
 * <p>State under {@code STATE/console}: {@code login.state} (failures and lock), {@code audit.log}
 * and {@code audit.old}, {@code audit.sent}, {@code remote.state}.
 *
 * <p>Threads: each session on its own ({@code mast-console-VIA}); the serial port's session
 * reopens the port when it is lost; the socket's acceptor on {@code mast-console-socket}. None of
 * them is on a path the sampler or the uplink waits for.
 */
public final class ConsoleService implements AutoCloseable {
  /** Sessions on the Unix socket at once; more are told to come back later. */
  static final int MAX_SOCKET_SESSIONS = 4;
  /** Longest wait before the serial console's port is opened again. */
  static final long MAX_REOPEN_MS = 30_000;

  private final Pole runtime;
  private final ConfigAgent configAgent;
  private final java.util.function.Supplier<OtaAgent> ota;
  private final Clock clock;
  private final LoginGuard guard;
  private final AuditTrail trail;
  private final Shell shell;
  private final RemoteConsole remote;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final Map<Session, java.util.concurrent.CompletableFuture<Void>> endings = new ConcurrentHashMap<>();
  private final Map<String, Shell.Staged> remoteStaged = new ConcurrentHashMap<>();
  private final List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile ServerSocketChannel socket;
  private volatile Path socketPath;
  /** The socket file this console made: at close it is removed only if it is still that one, not a later run's. */
  private volatile Object socketKey;
  private volatile SerialLink serial;
  private volatile boolean closed;

  private ConsoleService(Pole runtime, ConfigAgent configAgent, java.util.function.Supplier<OtaAgent> ota, Path dir, Clock clock,
      Scheduler timer) throws IOException {
    this.runtime = runtime;
    this.configAgent = configAgent;
    this.ota = ota;
    this.clock = clock;
    runtime.files().createDirectories(dir);
    this.guard = LoginGuard.open(runtime.files(), dir.resolve("login.state"), clock);
    this.trail = AuditTrail.open(runtime.files(), dir, runtime.link(), clock, timer, runtime.threads().serial("mast-audit", Integer.MAX_VALUE));
    this.shell = new Shell(runtime, this, clock);
    this.remote = new RemoteConsole(runtime, shell, this, dir);
  }

  /**
   * The console of {@code pole}, its state under {@code dir}; the remote console listens at once.
   * Config changes go through {@code configAgent}; {@code ota} gives the OTA agent once one runs
   * (null before), for {@code ota status}.
   */
  public static ConsoleService start(Pole pole, ConfigAgent configAgent, java.util.function.Supplier<OtaAgent> ota, Path dir,
      Clock clock, Scheduler timer) throws IOException {
    return new ConsoleService(pole, configAgent, ota, dir, clock, timer);
  }

  /** The config agent changes go through. */
  ConfigAgent configAgent() {
    return configAgent;
  }

  /** The OTA agent, or null while none runs. */
  OtaAgent ota() {
    return ota.get();
  }

  String deviceId() {
    return runtime.deviceId();
  }

  boolean closed() {
    return closed;
  }

  public Shell shell() {
    return shell;
  }

  /** Checks a PIN typed on the terminal at {@code via} against {@code console.pin_hash} (the lock first); audits the outcome, never the PIN. */
  synchronized LoginGuard.Attempt login(char[] pin, String via) throws IOException {
    int before = guard.failures();
    String hash = runtime.config().getConsole().getPinHash();
    if (!hash.isEmpty() && !PinHash.wellFormed(hash)) {
      audit("anonymous@" + via, "login refused: console.pin_hash is malformed");
      return new LoginGuard.Attempt(false, "console.pin_hash in the config is malformed, so nobody can log in;"
          + " set a new one from the platform (mast console hash-pin makes one)");
    }
    LoginGuard.Attempt a = guard.attempt(pin, hash);
    if (a.admitted()) {
      audit("technician@" + via, "login");
    } else if (guard.failures() > before) {
      audit("anonymous@" + via, "login failed (" + guard.failures() + " in a row)");
    } else {
      audit("anonymous@" + via, "login refused: " + a.message());
    }
    return a;
  }

  /** Records an act in the audit (flash, then the platform). A failure to record is logged; the act stands. */
  void audit(String who, String what) {
    try {
      trail.record(who, what);
    } catch (IOException e) {
      Logger.error("console: the audit of '{}' by {} could not be written: {}", what, who, e.getMessage());
    }
  }

  List<AuditLog.Entry> recentAudit(int n) throws IOException {
    return trail.recent(n);
  }

  /** The audit's newest entry the broker acknowledged. */
  public long auditDelivered() {
    return trail.delivered();
  }

  /** Remote commands handled so far (run or refused). */
  public long remoteHandled() {
    return remote.handled();
  }

  /** A remote key's staged config edits, kept between its commands. */
  Shell.Staged remoteStaged(String keyId) {
    return remoteStaged.computeIfAbsent(keyId, k -> new Shell.Staged());
  }

  /**
   * Serves the console on serial port {@code port} at {@code baud} (8N1), or with {@code port}
   * null on the config's {@code console.serial_port} at {@code console.baud}, following a config
   * change (none while it is empty): a simulated port ({@code sim:NAME}) through {@code buses},
   * any other path (a UART, a USB adapter, a pseudo-terminal) through jSerialComm. A port that
   * cannot be opened, or is lost, is opened again after 1 s, doubling to {@value #MAX_REOPEN_MS}
   * ms (said once at WARN, then at DEBUG until it opens); each session starts with a banner.
   */
  public void serveSerial(Buses buses, String port, int baud) {
    Thread t = new Thread(() -> serialLoop(buses, port, baud), "mast-console-serial");
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private record Port(String name, int baud) {}

  private Port wanted(String port, int baud) {
    if (port != null) {
      return new Port(port, baud);
    }
    var c = runtime.config().getConsole();
    return new Port(c.getSerialPort(), c.getBaud());
  }

  private void serialLoop(Buses buses, String fixedPort, int fixedBaud) {
    long wait = 1000;
    boolean warned = false;
    while (!closed) {
      Port p = wanted(fixedPort, fixedBaud);
      if (!p.name().isEmpty()) {
        try {
          serial = (p.name().startsWith("sim:") ? buses : new BoardBuses()).openSerial(p.name(), SerialSettings.of8N1(p.baud()));
          Logger.info("console: serving {} at {} bit/s", p.name(), p.baud());
          wait = 1000;
          warned = false;
          Session s = new Session(new SerialTerminal(serial, () -> p.equals(wanted(fixedPort, fixedBaud))), this, shell, clock);
          sessions.add(s);
          s.run();
          if (!closed) {
            Logger.info("console: {} was lost or moved; opening the console's port again", p.name());
          }
        } catch (IOException | RuntimeException e) {
          if (closed) {
            break;
          }
          if (!warned) {
            Logger.warn("console: {} cannot be opened ({}); trying again, at most every {} s", p.name(), e.getMessage(),
                MAX_REOPEN_MS / 1000);
            warned = true;
          } else {
            Logger.debug("console: {} still cannot be opened ({})", p.name(), e.getMessage());
          }
        }
      }
      try {
        synchronized (this) {
          if (!closed) {
            wait(wait);
          }
        }
      } catch (InterruptedException e) {
        return;
      }
      wait = Math.min(MAX_REOPEN_MS, wait * 2);
    }
  }

  /**
   * Listens on the Unix socket {@code path} for {@code mast console}: owner-only (the socket
   * 0600 in a directory of the runtime's), one session per client, at most
   * {@value #MAX_SOCKET_SESSIONS}. A socket left by a run that died is replaced.
   */
  public Path serveSocket(Path path) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      Logger.warn("console: {} cannot be made owner-only on this file system", path);
    }
    socket = server;
    socketPath = path;
    socketKey = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    Thread t = new Thread(this::acceptLoop, "mast-console-socket");
    t.setDaemon(true);
    threads.add(t);
    t.start();
    return path;
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        if (!closed) {
          Logger.warn("console: the socket stopped accepting: {}", e.getMessage());
        }
        return;
      }
      try {
        if (sessions.size() >= MAX_SOCKET_SESSIONS + 1) {
          client.write(java.nio.ByteBuffer.wrap(("mast: " + MAX_SOCKET_SESSIONS + " console sessions are open already; try again later\r\n")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
          client.close();
          continue;
        }
        attach(new SocketTerminal(client));
      } catch (IOException e) {
        Logger.warn("console: a socket client could not start: {}", e.getMessage());
      }
    }
  }

  /**
   * Runs a session on {@code terminal} on a thread of its own (the socket's clients, {@code mast
   * run}'s terminal); the future completes when it ends ({@code exit}, the terminal gone).
   */
  public java.util.concurrent.CompletableFuture<Void> attach(Terminal terminal) {
    Session s = new Session(terminal, this, shell, clock);
    sessions.add(s);
    java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
    endings.put(s, ended);
    Thread t = new Thread(s, "mast-console-" + terminal.via().replaceAll("[^a-zA-Z0-9]+", "-"));
    t.setDaemon(true);
    t.start();
    return ended;
  }

  void ended(Session s) {
    sessions.remove(s);
    java.util.concurrent.CompletableFuture<Void> f = endings.remove(s);
    if (f != null) {
      f.complete(null);
    }
  }

  /** Ends every session and transport; the audit's last entries stay on flash for the next start. */
  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      notifyAll();
    }
    sessions.forEach(Session::close);
    ServerSocketChannel s = socket;
    if (s != null) {
      try {
        s.close();
        Object key = Files.exists(socketPath)
            ? Files.readAttributes(socketPath, java.nio.file.attribute.BasicFileAttributes.class).fileKey() : null;
        if (key != null && key.equals(socketKey)) {
          Files.deleteIfExists(socketPath);
        }
      } catch (IOException e) {
        Logger.warn("console: closing the socket: {}", e.getMessage());
      }
    }
    SerialLink l = serial;
    if (l != null) {
      l.close();
    }
    for (Thread t : threads) {
      try {
        t.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    remote.close();
    trail.close();
    try {
      guard.close();
    } catch (IOException e) {
      Logger.warn("console: closing the login state: {}", e.getMessage());
    }
  }
}
