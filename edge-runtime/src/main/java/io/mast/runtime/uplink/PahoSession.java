package io.mast.runtime.uplink;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttTopic;
import org.eclipse.paho.client.mqttv3.ScheduledExecutorPingSender;
import org.eclipse.paho.client.mqttv3.internal.NetworkModule;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * One MQTT connection through Eclipse Paho: the only class that touches Paho, so its life cycle
 * and its traps stay in one place. Memory persistence (the ring store is the outbox), automatic
 * reconnect off (the uplink reconnects with its own backoff; Paho's loses messages across a
 * broker restart), persistent session, a retained last will. {@link #close()} disconnects
 * forcibly and closes the client, so none of Paho's threads outlives it.
 *
 * <p><b>Threads.</b> Create, publish, subscribe and close from one thread (the uplink's).
 * The {@link Listener} and the publish callbacks run on Paho's threads and must not block.
 */
final class PahoSession implements AutoCloseable {
  /** What Paho reports, on its own threads. */
  interface Listener {
    void lost(Throwable cause);

    void message(String topic, byte[] payload);

    /** The guard emptied a PUBLISH on {@code topic} of {@code payloadBytes} (over the inbound cap) before Paho read it. */
    default void oversized(String topic, long payloadBytes) {}

    /** Whether the payload of a message on {@code topic} is wanted at all; one not wanted is dropped before Paho reads it. */
    default boolean wanted(String topic) {
      return true;
    }
  }

  private final GuardedClient client;

  private PahoSession(GuardedClient client) {
    this.client = client;
  }

  /**
   * Paho's client with every network module's input behind an {@link InboundGuard}: the broker's
   * bytes are framed and checked before Paho allocates or parses a packet. Paho makes the
   * modules at each connect, for each broker URI; the guard of the one that connected is kept.
   */
  private static final class GuardedClient extends MqttAsyncClient {
    private volatile InboundGuard guard;
    private volatile Consumer<InboundGuard.InboundViolation> onViolation = v -> { };
    private volatile InboundGuard.Oversized onOversized = (topic, bytes) -> { };
    private volatile java.util.function.Predicate<String> wanted = topic -> true;

    GuardedClient(String serverUri, String clientId, ScheduledExecutorService pings, ScheduledExecutorService work) throws MqttException {
      // keepalive pings on a shared scheduler, not a timer thread per client; Paho's receiver,
      // sender and callback on threads of their own (work null) or on a pool shared by many poles
      super(serverUri, clientId, new MemoryPersistence(), new ScheduledExecutorPingSender(pings), work);
    }

    @Override
    protected NetworkModule[] createNetworkModules(String address, MqttConnectOptions options) throws MqttException {
      NetworkModule[] modules = super.createNetworkModules(address, options);
      for (int i = 0; i < modules.length; i++) {
        modules[i] = new Guarded(modules[i]);
      }
      return modules;
    }

    private final class Guarded implements NetworkModule {
      private final NetworkModule module;
      private InboundGuard in;

      Guarded(NetworkModule module) {
        this.module = module;
      }

      @Override
      public void start() throws IOException, MqttException {
        module.start();
      }

      @Override
      public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
          in = new InboundGuard(module.getInputStream(), System::nanoTime, v -> onViolation.accept(v),
              (topic, bytes) -> onOversized.emptied(topic, bytes), topic -> wanted.test(topic));
          guard = in;
        }
        return in;
      }

      @Override
      public OutputStream getOutputStream() throws IOException {
        return module.getOutputStream();
      }

      @Override
      public void stop() throws IOException {
        module.stop();
      }

      @Override
      public String getServerURI() {
        return module.getServerURI();
      }
    }
  }

  /**
   * Connects to the first broker of {@code settings} that answers, waiting at most the connect
   * timeout, with {@code will} as the retained last will on {@code willTopic}; Paho's work on {@code work},
   * or on threads of its own when null.
   *
   * @throws IOException naming the brokers and Paho's reason when none answers
   */
  static PahoSession connect(UplinkSettings settings, String willTopic, byte[] will, ScheduledExecutorService pings,
      ScheduledExecutorService work, Listener listener) throws IOException {
    GuardedClient c = null;
    try {
      c = new GuardedClient(settings.brokerUris().get(0), settings.clientId(), pings, work);
      c.setCallback(new MqttCallback() {
        @Override
        public void connectionLost(Throwable cause) {
          listener.lost(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
          listener.message(topic, message.getPayload());
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
          // acknowledgements arrive through each publish's listener
        }
      });
      // done when Paho says so, or at once when the broker sends what MQTT does not allow:
      // Paho may then never complete the connect token (seen with an attack right after CONNACK)
      CompletableFuture<Void> done = new CompletableFuture<>();
      c.onViolation = v -> done.completeExceptionally(v);
      c.onOversized = listener::oversized;
      c.wanted = listener::wanted;
      c.connect(options(settings, willTopic, will), null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          done.complete(null);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
          done.completeExceptionally(e);
        }
      });
      done.get(settings.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
      String violation = c.guard == null ? null : c.guard.violation();
      if (violation != null) {
        throw new IOException(violation);
      }
      return new PahoSession(c);
    } catch (MqttException | RuntimeException | IOException | ExecutionException | TimeoutException e) {
      if (c != null) {
        new PahoSession(c).close();
      }
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IOException(e instanceof TimeoutException ? "no CONNACK within " + settings.connectTimeout().toSeconds() + " s"
          : reason(cause), cause);
    } catch (InterruptedException e) {
      if (c != null) {
        new PahoSession(c).close();
      }
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting", e);
    }
  }

  /**
   * Paho's message and, when there is one, the cause under it: "Unable to connect to server" says
   * nothing a technician can act on, "Connection refused" or "No route to host" does.
   */
  static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String cause = root instanceof UnknownHostException ? "unknown host " + root.getMessage()
        : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    // Paho says "MqttException" when its only news is the cause
    String said = e.getMessage() == null || e.getMessage().equals(e.getClass().getSimpleName()) ? null : e.getMessage();
    if (root == e || said == null) {
      return root == e && said != null ? said : cause;
    }
    return said.contains(cause) ? said : said + " (" + cause + ")";
  }

  private static MqttConnectOptions options(UplinkSettings settings, String willTopic, byte[] will) {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setServerURIs(settings.brokerUris().toArray(new String[0]));
    o.setCleanSession(false);
    o.setAutomaticReconnect(false);
    o.setKeepAliveInterval((int) settings.keepAlive().toSeconds());
    o.setConnectionTimeout((int) settings.connectTimeout().toSeconds());
    // frames are bounded by the uplink's window; status, profile, health and the agents' messages come on top
    o.setMaxInflight(settings.inflightWindow() + 4 + Uplink.AGENTS_IN_FLIGHT);
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    o.setWill(willTopic, will, 1, true);
    if (settings.socketFactory() != null) {
      o.setSocketFactory(settings.socketFactory());
    }
    if (settings.username() != null) {
      o.setUserName(settings.username());
    }
    if (settings.password() != null) {
      o.setPassword(settings.password());
    }
    return o;
  }

  /**
   * What makes this connection dead though Paho has not said it is lost, or null: its receiving
   * thread died without the stream ending (a Paho bug on some malformed packet), or the broker has
   * left a packet half sent for longer than {@code bound}.
   */
  String deadReceiver(long boundNanos) {
    InboundGuard g = client.guard;
    if (g == null) {
      return null;
    }
    if (g.readerDied()) {
      return "the MQTT client's receiving thread died after " + g.packets() + " packets";
    }
    long stalled = g.stalledNanos();
    return stalled > boundNanos ? "the broker left a packet half sent for " + stalled / 1_000_000 + " ms" : null;
  }

  /** What the broker sent that MQTT does not allow, or null: the reason behind whatever Paho says next. */
  String violation() {
    InboundGuard g = client.guard;
    return g == null ? null : g.violation();
  }

  /** The broker this session reached. */
  String serverUri() {
    return client.getCurrentServerURI();
  }

  /**
   * Publishes; {@code done} gets null when the broker acknowledged it (QoS 1) or it was written
   * (QoS 0), or the failure. It runs on Paho's thread.
   *
   * @throws IOException if Paho refuses the publish at once (the connection is then unusable)
   */
  void publish(String topic, byte[] payload, int qos, boolean retained, Consumer<Throwable> done) throws IOException {
    try {
      client.publish(topic, payload, qos, retained, null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          done.accept(null);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
          done.accept(e == null ? new IOException("publish on " + topic + " failed") : e);
        }
      });
    } catch (MqttException e) {
      throw new IOException("publishing on " + topic + " refused: " + e.getMessage(), e);
    }
  }

  /** Subscribes to {@code filters} at QoS 1; messages reach the listener. */
  void subscribe(List<String> filters) throws IOException {
    if (filters.isEmpty()) {
      return;
    }
    try {
      // a SUBACK the inbound guard takes answers at most MAX_SUBACK_CODES filters
      for (int from = 0; from < filters.size(); from += InboundGuard.MAX_SUBACK_CODES) {
        List<String> some = filters.subList(from, Math.min(filters.size(), from + InboundGuard.MAX_SUBACK_CODES));
        int[] qos = new int[some.size()];
        java.util.Arrays.fill(qos, 1);
        client.subscribe(some.toArray(new String[0]), qos);
      }
    } catch (MqttException e) {
      throw new IOException("subscribing to " + filters + " refused: " + e.getMessage(), e);
    }
  }

  void unsubscribe(String filter) throws IOException {
    try {
      client.unsubscribe(filter);
    } catch (MqttException e) {
      throw new IOException("unsubscribing from " + filter + " refused: " + e.getMessage(), e);
    }
  }

  /** Whether {@code topic} matches the MQTT topic filter {@code filter} ({@code +} and {@code #} wildcards). */
  static boolean matches(String filter, String topic) {
    try {
      return MqttTopic.isMatched(filter, topic);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A clean stop: {@code payload} retained on {@code topic} (the status OFFLINE), then DISCONNECT; bounded waits. */
  void goodbye(String topic, byte[] payload) {
    if (!client.isConnected()) {
      return;
    }
    try {
      client.publish(topic, payload, 1, true).waitForCompletion(2000);
      client.disconnect(2000).waitForCompletion(3000);
    } catch (MqttException e) {
      Logger.debug("uplink: clean disconnect failed: {}", e.getMessage());
    }
  }

  /** Disconnects at once and closes the client with its threads. Idempotent. */
  @Override
  public void close() {
    try {
      client.disconnectForcibly(0, 100, false);
    } catch (MqttException e) {
      // already down
    }
    try {
      client.close(true);
    } catch (MqttException e) {
      Logger.debug("uplink: closing the client: {}", e.getMessage());
    }
  }
}
