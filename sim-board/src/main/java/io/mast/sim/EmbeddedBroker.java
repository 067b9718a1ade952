package io.mast.sim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * A small MQTT 3.1.1 broker inside this process, on loopback only, so that {@code mast run
 * --sim} and the tests need no broker of their own: Netty's MQTT codec and one event-loop thread
 * that owns every client, subscription and retained message (no locks).
 *
 * <p>What it does: CONNECT (3.1 and 3.1.1, anonymous, an empty client id gets a name as
 * {@code mosquitto_sub} expects, a second connection with a client id takes over the first),
 * SUBSCRIBE and UNSUBSCRIBE with {@code +} and {@code #}, QoS 0 and 1 (QoS 2 publishes are taken
 * with PUBREC/PUBCOMP and delivered at QoS 1), retained messages delivered to new subscribers with
 * the retain flag set (an empty retained publish clears one), the last will on a connection lost
 * or silent for 1.5 keepalives, PINGREQ, DISCONNECT. Messages up to 256 KiB. What it does not:
 * TLS, authentication, sessions that outlive a connection (a pole sends again from its store and
 * subscribes again after every connect), redelivery of unacknowledged messages.
 *
 * <p>Why not an off-the-shelf broker: Moquette 0.17, used before, hands one payload buffer to
 * several QoS 1 subscribers of the same session loop, so all but the first received an empty
 * payload (two {@code mosquitto_sub} on {@code m/#} were enough), and it did not set the retain
 * flag. Here every delivery gets its own copy of the bytes.
 */
public final class EmbeddedBroker implements AutoCloseable {
  /** The largest message taken: any frame (at most 65535 bytes) and control message (256 KiB) passes. */
  public static final int MAX_MESSAGE_BYTES = 256 * 1024 + 1024;

  private final int port;
  private final EventLoopGroup boss = new NioEventLoopGroup(1);
  private final EventLoopGroup loop = new NioEventLoopGroup(1);
  /** Everything below is touched only on {@link #loop}'s thread. */
  private final Map<String, Client> clients = new HashMap<>();
  private final Map<String, byte[]> retained = new LinkedHashMap<>();
  private long anonymous;
  private boolean stopped;

  /** One connected client: its channel, subscriptions (filter to granted QoS) and last will. */
  private static final class Client {
    final String id;
    final Channel channel;
    final Map<String, Integer> subscriptions = new LinkedHashMap<>();
    MqttPublishMessage will;
    int nextPacketId = 1;

    Client(String id, Channel channel) {
      this.id = id;
      this.channel = channel;
    }

    int packetId() {
      int id = nextPacketId;
      nextPacketId = nextPacketId == 65535 ? 1 : nextPacketId + 1;
      return id;
    }
  }

  private EmbeddedBroker(int port) {
    this.port = port;
  }

  /**
   * Starts a broker on {@code 127.0.0.1:port}; port 0 picks a free one.
   *
   * @throws IOException if the port is taken or the broker does not start, with the port in the message
   */
  public static EmbeddedBroker start(int port) throws IOException {
    int chosen = port == 0 ? freePort() : port;
    EmbeddedBroker broker = new EmbeddedBroker(chosen);
    try {
      new ServerBootstrap().group(broker.boss, broker.loop).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast("decoder", new MqttDecoder(MAX_MESSAGE_BYTES)).addLast("encoder", MqttEncoder.INSTANCE)
                  .addLast("broker", broker.new Handler());
            }
          })
          .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), chosen)).sync();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      broker.close();
      throw new IOException("embedded MQTT broker did not start on 127.0.0.1:" + chosen + ": interrupted", e);
    } catch (RuntimeException e) {
      broker.close();
      throw new IOException("embedded MQTT broker did not start on 127.0.0.1:" + chosen + ": " + e.getMessage(), e);
    }
    return broker;
  }

  /** The protocol of one connection, on the broker's thread. */
  private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
    private Client client;
    private boolean cleanGoodbye;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
      if (msg.decoderResult().isFailure()) {
        Logger.debug("broker: malformed packet from {}: {}", ctx.channel().remoteAddress(), msg.decoderResult().cause().getMessage());
        ctx.close();
        return;
      }
      MqttMessageType type = msg.fixedHeader().messageType();
      if (client == null && type != MqttMessageType.CONNECT) {
        ctx.close();
        return;
      }
      switch (type) {
        case CONNECT -> connect(ctx, (MqttConnectMessage) msg);
        case SUBSCRIBE -> subscribe(ctx, (MqttSubscribeMessage) msg);
        case UNSUBSCRIBE -> unsubscribe(ctx, (MqttUnsubscribeMessage) msg);
        case PUBLISH -> publish(ctx, (MqttPublishMessage) msg);
        case PUBREL -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 2),
            MqttMessageIdVariableHeader.from(((MqttMessageIdVariableHeader) msg.variableHeader()).messageId())));
        case PINGREQ -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
        case DISCONNECT -> {
          cleanGoodbye = true;
          ctx.close();
        }
        case PUBACK, PUBREC, PUBCOMP -> { } // deliveries are not tracked
        default -> ctx.close();
      }
    }

    private void connect(ChannelHandlerContext ctx, MqttConnectMessage m) {
      if (client != null) {
        ctx.close(); // a second CONNECT is a protocol violation
        return;
      }
      int level = m.variableHeader().version();
      if (level != 3 && level != 4) {
        ctx.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION)).addListener(f -> ctx.close());
        return;
      }
      String id = m.payload().clientIdentifier();
      if (id == null || id.isEmpty()) {
        id = "auto-" + (++anonymous);
      }
      Client old = clients.get(id);
      if (old != null) {
        old.will = null;
        old.channel.close();
      }
      client = new Client(id, ctx.channel());
      clients.put(id, client);
      if (m.variableHeader().isWillFlag()) {
        client.will = will(m);
      }
      int keepAlive = m.variableHeader().keepAliveTimeSeconds();
      if (keepAlive > 0) {
        ctx.pipeline().addFirst("idle", new IdleStateHandler(keepAlive * 3L / 2, 0, 0, TimeUnit.SECONDS));
      }
      ctx.writeAndFlush(connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED));
    }

    private void subscribe(ChannelHandlerContext ctx, MqttSubscribeMessage m) {
      List<Integer> granted = new ArrayList<>();
      List<String> added = new ArrayList<>();
      for (MqttTopicSubscription s : m.payload().topicSubscriptions()) {
        if (!validFilter(s.topicName())) {
          granted.add(0x80);
          continue;
        }
        int qos = Math.min(1, s.qualityOfService().value());
        client.subscriptions.put(s.topicName(), qos);
        granted.add(qos);
        added.add(s.topicName());
      }
      ctx.writeAndFlush(MqttMessageBuilders.subAck().packetId(m.variableHeader().messageId())
          .addGrantedQoses(granted.stream().map(q -> q == 0x80 ? MqttQoS.FAILURE : MqttQoS.valueOf(q)).toArray(MqttQoS[]::new)).build());
      for (Map.Entry<String, byte[]> r : retained.entrySet()) {
        for (String filter : added) {
          if (matches(filter, r.getKey())) {
            deliver(client, r.getKey(), r.getValue(), client.subscriptions.get(filter), true);
            break;
          }
        }
      }
    }

    private void unsubscribe(ChannelHandlerContext ctx, MqttUnsubscribeMessage m) {
      m.payload().topics().forEach(client.subscriptions::remove);
      ctx.writeAndFlush(MqttMessageBuilders.unsubAck().packetId(m.variableHeader().messageId()).build());
    }

    private void publish(ChannelHandlerContext ctx, MqttPublishMessage m) {
      String topic = m.variableHeader().topicName();
      if (topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
        ctx.close();
        return;
      }
      byte[] payload = new byte[m.payload().readableBytes()];
      m.payload().getBytes(m.payload().readerIndex(), payload);
      int qos = m.fixedHeader().qosLevel().value();
      if (qos == 1) {
        ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(m.variableHeader().packetId()).build());
      } else if (qos == 2) {
        ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 2),
            MqttMessageIdVariableHeader.from(m.variableHeader().packetId())));
      }
      route(topic, payload, Math.min(1, qos), m.fixedHeader().isRetain());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        Logger.debug("broker: {} silent for 1.5 keepalives; closing it", client == null ? "a client" : client.id);
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (client != null && clients.get(client.id) == client) {
        clients.remove(client.id);
        MqttPublishMessage will = client.will;
        if (will != null && !cleanGoodbye) {
          byte[] payload = new byte[will.payload().readableBytes()];
          will.payload().getBytes(0, payload);
          route(will.variableHeader().topicName(), payload, Math.min(1, will.fixedHeader().qosLevel().value()), will.fixedHeader().isRetain());
        }
      }
      if (client != null && client.will != null) {
        client.will.release();
        client.will = null;
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Logger.debug("broker: connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  private static MqttPublishMessage will(MqttConnectMessage m) {
    return MqttMessageBuilders.publish().topicName(m.payload().willTopic()).payload(Unpooled.wrappedBuffer(m.payload().willMessageInBytes()))
        .qos(MqttQoS.valueOf(m.variableHeader().willQos())).retained(m.variableHeader().isWillRetain()).build();
  }

  private static MqttConnAckMessage connAck(MqttConnectReturnCode code) {
    return MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
  }

  /** Keeps a retained message and hands a copy to every client with a matching subscription, once each. */
  private void route(String topic, byte[] payload, int qos, boolean retain) {
    if (retain) {
      if (payload.length == 0) {
        retained.remove(topic);
      } else {
        retained.put(topic, payload);
      }
    }
    for (Client c : clients.values()) {
      int best = -1;
      for (Map.Entry<String, Integer> s : c.subscriptions.entrySet()) {
        if (matches(s.getKey(), topic)) {
          best = Math.max(best, s.getValue());
        }
      }
      if (best >= 0) {
        deliver(c, topic, payload, Math.min(qos, best), false);
      }
    }
  }

  private static void deliver(Client c, String topic, byte[] payload, int qos, boolean retain) {
    ByteBuf copy = Unpooled.copiedBuffer(payload);
    c.channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).payload(copy).qos(MqttQoS.valueOf(qos))
        .retained(retain).messageId(qos > 0 ? c.packetId() : 0).build());
  }

  /** Whether an MQTT topic filter is well formed: '#' only last and alone in its level, '+' alone in its level. */
  static boolean validFilter(String filter) {
    if (filter.isEmpty()) {
      return false;
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String l = levels[i];
      if (l.contains("#") && (!l.equals("#") || i != levels.length - 1) || l.contains("+") && !l.equals("+")) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code topic} matches {@code filter} (MQTT 3.1.1 section 4.7; topics starting with $ match no wildcard first level). */
  static boolean matches(String filter, String topic) {
    String[] f = filter.split("/", -1);
    String[] t = topic.split("/", -1);
    if (topic.startsWith("$") && (f[0].equals("+") || f[0].equals("#"))) {
      return false;
    }
    for (int i = 0; i < f.length; i++) {
      if (f[i].equals("#")) {
        return true;
      }
      if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
        return false;
      }
    }
    return f.length == t.length;
  }

  /** True if nothing listens on {@code 127.0.0.1:port} yet. */
  public static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A loopback port free at the moment of the call. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** {@code tcp://127.0.0.1:PORT}. */
  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Closes every connection and stops the broker's threads (bounded waits); idempotent. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
