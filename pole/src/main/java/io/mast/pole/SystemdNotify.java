package io.mast.pole;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Messages to systemd's notification socket ({@code sd_notify}: {@code READY=1},
 * {@code WATCHDOG=1}, {@code STATUS=...}, {@code STOPPING=1}). The socket is a Unix datagram
 * socket, which Java 17 cannot open; this sends with libc's {@code socket} and {@code sendto}
 * through JNA (see the pole's pom), one datagram per message, as {@code sd_notify(3)} does.
 * {@code NOTIFY_SOCKET} may name a path or, with a leading {@code @}, an abstract socket.
 */
final class SystemdNotify implements AutoCloseable {
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int MSG_NOSIGNAL = 0x4000;
  /** sun_path's size in struct sockaddr_un on Linux. */
  private static final int SUN_PATH = 108;

  /** The part of libc used here. */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol);

    NativeLong sendto(int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength);

    int close(int fd);
  }

  private final LibC libc;
  private final int fd;
  private final byte[] address;
  private final int addressLength;
  private final String socket;

  private SystemdNotify(LibC libc, int fd, byte[] address, int addressLength, String socket) {
    this.libc = libc;
    this.fd = fd;
    this.address = address;
    this.addressLength = addressLength;
    this.socket = socket;
  }

  /** The notifier of {@code NOTIFY_SOCKET} when systemd started this process with one; empty otherwise. */
  static Optional<SystemdNotify> fromEnvironment() {
    String socket = System.getenv("NOTIFY_SOCKET");
    return socket == null || socket.isEmpty() ? Optional.empty() : Optional.of(open(socket));
  }

  /**
   * A notifier for the socket {@code socket} (a path, or {@code @name} for an abstract socket).
   *
   * @throws IllegalArgumentException if the name does not fit a socket address, or libc cannot make a socket
   */
  static SystemdNotify open(String socket) {
    byte[] name = socket.getBytes(StandardCharsets.UTF_8);
    boolean abstractName = socket.startsWith("@");
    if (name.length >= SUN_PATH || !abstractName && !socket.startsWith("/")) {
      throw new IllegalArgumentException("NOTIFY_SOCKET '" + socket + "' is not an absolute path or @name of at most "
          + (SUN_PATH - 1) + " bytes");
    }
    ByteBuffer a = ByteBuffer.allocate(2 + SUN_PATH).order(ByteOrder.nativeOrder());
    a.putShort((short) AF_UNIX);
    a.put(name);
    byte[] address = a.array();
    int length = 2 + name.length + (abstractName ? 0 : 1); // a path ends with its NUL; an abstract name has none
    if (abstractName) {
      address[2] = 0;
    }
    LibC libc = Native.load("c", LibC.class);
    int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new IllegalArgumentException("no datagram socket for NOTIFY_SOCKET: errno " + Native.getLastError());
    }
    return new SystemdNotify(libc, fd, address, length, socket);
  }

  /**
   * Sends {@code state} (newline-separated assignments) in one datagram; returns null when sent,
   * else why not (errno). Never throws: a pole runs on without systemd's ear.
   */
  synchronized String send(String state) {
    byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
    long sent = libc.sendto(fd, bytes, new NativeLong(bytes.length), MSG_NOSIGNAL, address, addressLength).longValue();
    return sent == bytes.length ? null : "sending to " + socket + " failed: errno " + Native.getLastError();
  }

  @Override
  public synchronized void close() {
    libc.close(fd);
  }
}
