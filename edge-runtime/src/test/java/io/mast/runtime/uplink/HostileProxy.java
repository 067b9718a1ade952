package io.mast.runtime.uplink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A broker that turns hostile once: a TCP proxy in front of a real broker that, on the first
 * connection only, writes {@code attack} to the client right after the broker's CONNACK, and
 * then either goes on relaying or falls silent towards the client (while still taking what the
 * client sends). Later connections are relayed as they are. It records when the attack went out
 * and when each CONNACK was relayed, so a test can tell how long the client took to come back.
 */
final class HostileProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int brokerPort;
  private final byte[] attack;
  private final boolean silence;
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> connacks = Collections.synchronizedList(new ArrayList<>());
  private volatile long attackedNanos;
  private volatile boolean closed;

  HostileProxy(int brokerPort, byte[] attack, boolean silence) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.brokerPort = brokerPort;
    this.attack = attack.clone();
    this.silence = silence;
    Thread accept = new Thread(this::accept, "hostile-accept");
    accept.setDaemon(true);
    accept.start();
  }

  String uri() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  /** When the attack was written, 0 before. */
  long attackedNanos() {
    return attackedNanos;
  }

  /** When each connection's CONNACK was relayed, in order. */
  List<Long> connacks() {
    synchronized (connacks) {
      return List.copyOf(connacks);
    }
  }

  private void accept() {
    int n = 0;
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
        sockets.add(client);
        sockets.add(broker);
        boolean first = n++ == 0;
        daemon("hostile-up", () -> copy(client.getInputStream(), broker.getOutputStream(), client, broker));
        daemon("hostile-down", () -> down(broker.getInputStream(), client.getOutputStream(), first, client, broker));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void down(InputStream fromBroker, OutputStream toClient, boolean first, Socket a, Socket b) {
    try {
      byte[] connack = fromBroker.readNBytes(4);
      toClient.write(connack);
      toClient.flush();
      connacks.add(System.nanoTime());
      if (first) {
        toClient.write(attack);
        toClient.flush();
        attackedNanos = System.nanoTime();
        if (silence) {
          fromBroker.transferTo(OutputStream.nullOutputStream());
          return;
        }
      }
      copy(fromBroker, toClient, a, b);
    } catch (IOException e) {
      closeBoth(a, b);
    }
  }

  private static void copy(InputStream in, OutputStream out, Socket a, Socket b) {
    try {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    }
    closeBoth(a, b);
  }

  private static void closeBoth(Socket a, Socket b) {
    try {
      a.close();
      b.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  private interface Body {
    void run() throws IOException;
  }

  private static void daemon(String name, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (IOException e) {
        // the connection ended
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (sockets) {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
