package io.mast.runtime.console;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/** The console of one {@code mast console} client on the runtime's Unix socket. */
final class SocketTerminal implements Terminal {
  private final SocketChannel channel;
  private final Selector selector;
  private final Selector writable;

  SocketTerminal(SocketChannel channel) throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    this.writable = Selector.open();
    channel.register(selector, SelectionKey.OP_READ);
    channel.register(writable, SelectionKey.OP_WRITE);
  }

  @Override
  public String via() {
    return "socket";
  }

  @Override
  public int read(byte[] buffer, long timeoutMillis) throws IOException {
    int n = channel.read(ByteBuffer.wrap(buffer));
    if (n == 0 && timeoutMillis > 0) {
      selector.select(timeoutMillis);
      selector.selectedKeys().clear();
      n = channel.read(ByteBuffer.wrap(buffer));
    }
    if (n < 0) {
      throw new IOException("the console client went away");
    }
    return n;
  }

  @Override
  public void write(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (b.hasRemaining()) {
      if (channel.write(b) == 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new IOException("the console client read nothing for 5 s; dropping it");
        }
        writable.select(left); // the socket's buffer is full: wait until the client reads
        writable.selectedKeys().clear();
      }
    }
  }

  @Override
  public void close() {
    try {
      selector.close();
      writable.close();
      channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
