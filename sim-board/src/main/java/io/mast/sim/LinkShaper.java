package io.mast.sim;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An NB-IoT link between Mast and its broker, emulated: a TCP proxy on loopback that limits
 * bandwidth, adds latency and jitter, cuts connections at random ("loss by disconnect", the way
 * a cell drops a device) and goes dark for scheduled outages.
 *
 * <p><b>Model.</b> Each direction of each connection is a serial line of {@code bitsPerSecond}:
 * a chunk leaves when the previous one has left plus its own size over the rate, and arrives
 * {@code latency} plus a random jitter in [0, {@code jitter}] later, never before the chunk
 * ahead of it (TCP keeps order). A cut closes both sides at once, so whatever was in flight is
 * lost, as it is when a modem loses its bearer. During an outage every connection is cut and
 * new ones are closed as soon as they arrive.
 *
 * <p><b>Bounds.</b> Reads are explicit (auto-read off): a direction stops reading from its source
 * once more than 64 KiB wait in it and resumes below 16 KiB, so a fast sender meets TCP
 * backpressure instead of filling memory.
 *
 * <p><b>Threads.</b> One Netty event loop runs every connection; the public methods are thread safe.
 */
public final class LinkShaper implements AutoCloseable {
  private static final int HIGH_WATER = 64 * 1024;
  private static final int LOW_WATER = 16 * 1024;

  /**
   * What an IP packet of the emulated link carries at most: a 1,500-byte MTU less 40 bytes of IPv4
   * and TCP headers.
   */
  public static final int SEGMENT_BYTES = 1_460;

  /**
   * Figures since start. The bytes are TCP payload (MQTT and TLS records); the segments are what
   * those bytes take as IP packets, counted as each chunk crosses: one per {@link #SEGMENT_BYTES}
   * or part of it.
   */
  public record Stats(long connections, long cuts, long refused, long bytesUp, long bytesDown, long segmentsUp,
      long segmentsDown) {

    /**
     * An estimate of the bytes on the air, IP and TCP included: the payload, 40 bytes of headers
     * per data segment, and a pure acknowledgement of 40 bytes for every second segment each way
     * (delayed ACK), with 3 packets for each connection's handshake and 4 for its close.
     */
    public long airBytes() {
      long acks = (segmentsUp + 1) / 2 + (segmentsDown + 1) / 2;
      return bytesUp + bytesDown + 40 * (segmentsUp + segmentsDown + acks + 7 * connections);
    }
  }

  private final Builder settings;
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Set<Channel> clients = ConcurrentHashMap.newKeySet();
  private final Random random;
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong cuts = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private final AtomicLong segmentsUp = new AtomicLong();
  private final AtomicLong segmentsDown = new AtomicLong();
  private volatile long darkUntilNanos;
  private Channel server;
  private int port;

  private LinkShaper(Builder b) {
    this.settings = b;
    this.random = new Random(b.seed);
  }

  /** A shaper in front of {@code host:port}. */
  public static Builder to(String host, int port) {
    return new Builder(host, port);
  }

  /** Settings; defaults: no bandwidth limit, no latency, no jitter, no random cuts. */
  public static final class Builder {
    private final String host;
    private final int targetPort;
    private long bitsPerSecond;
    private Duration latency = Duration.ZERO;
    private Duration jitter = Duration.ZERO;
    private Duration meanTimeBetweenCuts = Duration.ZERO;
    private long seed = 1;

    private Builder(String host, int port) {
      this.host = host;
      this.targetPort = port;
    }

    /** Bandwidth of each direction in bits per second; 0 = unlimited. */
    public Builder bitsPerSecond(long bps) {
      if (bps < 0) {
        throw new IllegalArgumentException("bandwidth " + bps + " bit/s is negative");
      }
      this.bitsPerSecond = bps;
      return this;
    }

    /** One-way delay added to every chunk. */
    public Builder latency(Duration latency) {
      this.latency = latency;
      return this;
    }

    /** Random extra one-way delay, uniform in [0, jitter]. */
    public Builder jitter(Duration jitter) {
      this.jitter = jitter;
      return this;
    }

    /** Cuts each connection after an exponentially distributed time with this mean; zero = never. */
    public Builder meanTimeBetweenCuts(Duration mean) {
      this.meanTimeBetweenCuts = mean;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Starts listening on {@code 127.0.0.1:listenPort} (0 = a free port). */
    public LinkShaper start(int listenPort) throws IOException {
      LinkShaper shaper = new LinkShaper(this);
      shaper.bind(listenPort);
      return shaper;
    }
  }

  private void bind(int listenPort) throws IOException {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new ClientSide());
          }
        });
    try {
      server = b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort)).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IOException("interrupted while binding the link shaper");
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IOException("link shaper cannot listen on 127.0.0.1:" + listenPort + ": " + e.getMessage(), e);
    }
    port = ((InetSocketAddress) server.localAddress()).getPort();
  }

  public int port() {
    return port;
  }

  /** {@code tcp://127.0.0.1:PORT}. */
  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Cuts every connection now, as a dropped bearer does. */
  public void cutAll() {
    for (Channel c : clients) {
      cuts.incrementAndGet();
      c.close();
    }
  }

  /** Goes dark for {@code length} starting {@code after} from now: connections cut, new ones refused. */
  public void outage(Duration after, Duration length) {
    group.schedule(() -> {
      darkUntilNanos = System.nanoTime() + length.toNanos();
      cutAll();
    }, after.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** True during an outage. */
  public boolean dark() {
    return System.nanoTime() - darkUntilNanos < 0;
  }

  public Stats stats() {
    return new Stats(connections.get(), cuts.get(), refused.get(), bytesUp.get(), bytesDown.get(), segmentsUp.get(),
        segmentsDown.get());
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    clients.forEach(Channel::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  // ---------------------------------------------------------------- one connection

  /** The side facing Mast: opens the broker side, then relays through a shaped direction each way. */
  private final class ClientSide extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      if (dark()) {
        refused.incrementAndGet();
        client.close();
        return;
      }
      connections.incrementAndGet();
      clients.add(client);
      client.closeFuture().addListener(f -> clients.remove(client));
      Bootstrap b = new Bootstrap()
          .group(client.eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInboundHandlerAdapter());
      b.connect(settings.host, settings.targetPort).addListener(f -> {
        if (!f.isSuccess()) {
          client.close();
          return;
        }
        Channel broker = ((io.netty.channel.ChannelFuture) f).channel();
        Direction up = new Direction(client, broker, bytesUp, segmentsUp);
        Direction down = new Direction(broker, client, bytesDown, segmentsDown);
        client.pipeline().replace(this, "up", up);
        broker.pipeline().addLast("down", down);
        client.closeFuture().addListener(x -> broker.close());
        broker.closeFuture().addListener(x -> client.close());
        scheduleRandomCut(client);
        client.read();
        broker.read();
      });
    }
  }

  private void scheduleRandomCut(Channel client) {
    long meanNanos = settings.meanTimeBetweenCuts.toNanos();
    if (meanNanos <= 0) {
      return;
    }
    long after;
    synchronized (random) {
      after = (long) (-Math.log(1 - random.nextDouble()) * meanNanos);
    }
    client.eventLoop().schedule(() -> {
      if (client.isOpen()) {
        cuts.incrementAndGet();
        client.close();
      }
    }, Math.max(1, after), TimeUnit.NANOSECONDS);
  }

  /** One direction: paced by the bandwidth, delayed by latency and jitter, order kept. */
  private final class Direction extends ChannelInboundHandlerAdapter {
    private final Channel source;
    private final Channel target;
    private final AtomicLong counter;
    private final AtomicLong segments;
    private long nextFreeNanos;
    private long lastArrivalNanos;
    private long waiting;
    private boolean paused;
    /**
     * Chunks in flight, oldest first. Each scheduled delivery sends the oldest: two chunks due at
     * the same instant may have their tasks run in either order (each deadline is taken from the
     * moment it was scheduled), and the bytes must still arrive in order.
     */
    private final java.util.ArrayDeque<ByteBuf> inFlight = new java.util.ArrayDeque<>();

    Direction(Channel source, Channel target, AtomicLong counter, AtomicLong segments) {
      this.source = source;
      this.target = target;
      this.counter = counter;
      this.segments = segments;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf) || !target.isActive()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int bytes = buf.readableBytes();
      long now = System.nanoTime();
      long serialise = settings.bitsPerSecond == 0 ? 0 : bytes * 8L * 1_000_000_000L / settings.bitsPerSecond;
      long departs = Math.max(now, nextFreeNanos) + serialise;
      nextFreeNanos = departs;
      long jitter = 0;
      if (!settings.jitter.isZero()) {
        synchronized (random) {
          jitter = (long) (random.nextDouble() * settings.jitter.toNanos());
        }
      }
      long arrives = Math.max(departs + settings.latency.toNanos() + jitter, lastArrivalNanos);
      lastArrivalNanos = arrives;
      waiting += bytes;
      inFlight.add(buf);
      target.eventLoop().schedule(this::deliverOldest, Math.max(0, arrives - now), TimeUnit.NANOSECONDS);
      if (waiting <= HIGH_WATER) {
        source.read();
      } else {
        paused = true;
      }
    }

    private void deliverOldest() {
      ByteBuf buf = inFlight.poll();
      if (buf == null) {
        return;
      }
      int bytes = buf.readableBytes();
      waiting -= bytes;
      if (target.isActive()) {
        counter.addAndGet(bytes);
        segments.addAndGet((bytes + SEGMENT_BYTES - 1) / SEGMENT_BYTES);
        target.writeAndFlush(buf);
      } else {
        buf.release();
      }
      if (paused && waiting <= LOW_WATER && source.isActive()) {
        paused = false;
        source.read();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      target.close();
    }
  }
}
