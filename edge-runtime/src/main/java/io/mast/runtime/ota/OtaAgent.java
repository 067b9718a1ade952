package io.mast.runtime.ota;

import io.mast.config.model.DeviceConfig;
import io.mast.ota.BootState;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.Topics;
import io.mast.runtime.agent.AgentWorker;
import io.mast.runtime.health.ControlGate;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.core.Pole;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * Updates of Mast itself, the pole's side: an offer on {@code o} (the device's and each group's,
 * retained), the chunks it lacks asked for on {@code oc}, taken from {@code od}, progress and
 * outcome on {@code os}. One class per phase, all on the agent's thread:
 * <ul>
 *   <li>{@link OfferCheck}: the envelope verified before anything in it is parsed, then every
 *       refusal at once (board, Java, downgrade, replay, rolled back before, disk);
 *   <li>{@link BundleFetch}: the download, seeded from the running slot, resumable across link
 *       drops and restarts, paced behind telemetry and the byte budget;
 *   <li>{@link Staging}: the bundle into the inactive slot and the boot pointer's trial;
 *   <li>{@link TrialStart}: the next start proves its health and commits, or the launcher rolls
 *       it back and the rollback is reported.
 * </ul>
 * What they share across power cuts is the {@link OtaFloor}; their reports go through
 * {@link OtaReports}.
 *
 * <p>Threads: Paho's thread hands messages to the agent's own ({@code mast-ota}, a queue of
 * {@value #QUEUE}; more are dropped and counted: a dropped chunk is asked again, see
 * {@link BundleFetch#dropped}).
 */
public final class OtaAgent implements AutoCloseable {
  public static final int WINDOW = 4;
  static final int QUEUE = 16;
  public static final Duration RESEND = Duration.ofSeconds(30);
  /** After a chunk was dropped at the full queue: how long without a chunk before the window is asked again. */
  static final Duration DROP_RECHECK = Duration.ofSeconds(2);
  /** How often a download held for telemetry or the budget looks again. */
  static final Duration BULK_RECHECK = Duration.ofSeconds(5);
  /** Chunks taken between two DOWNLOADING reports. */
  static final int PROGRESS_EVERY = 64;
  /** How long a trial start has to prove itself healthy, by default. */
  public static final Duration TRIAL_DEADLINE = Duration.ofMinutes(10);

  private final OtaPlace place;
  private final AgentWorker worker;
  private final List<Link.Subscription> subscriptions = new ArrayList<>();
  private final OfferCheck offers;
  private final BundleFetch fetch;
  private final TrialStart trial;
  private volatile boolean closed;

  private OtaAgent(Pole pole, ConfigAgent configAgent, Path dir, Path slotRoot, String running, Clock clock, Scheduler timer,
      OtaFloor floor, DurableFiles files) {
    this.worker = new AgentWorker(pole, "mast-ota", QUEUE);
    this.place = new OtaPlace(pole, pole.link(), dir, slotRoot, running, clock, timer, files, floor, new OtaReports(pole.link(), pole.gate()),
        this::hand);
    this.offers = new OfferCheck(place, configAgent);
    this.fetch = new BundleFetch(place, new Staging(place),
        topic -> pole.link().subscribe(topic, (t, p) -> chunkArrived(p)));
    this.trial = new TrialStart(place, offers);
  }

  /**
   * Starts the agent of {@code pole} with its state in {@code dir}; {@code slotRoot} is the
   * launcher's root (slots and boot pointer), or null when Mast was not started by the launcher.
   * Offers are checked against {@code configAgent}'s clock rule and trust updates committed through it.
   */
  public static OtaAgent start(Pole pole, ConfigAgent configAgent, Path dir, Path slotRoot, String running, Duration trialDeadline,
      Clock clock, Scheduler timer, DurableFiles files) throws IOException {
    files.createDirectories(dir);
    OtaFloor floor = OtaFloor.open(files, dir.resolve("floor.state"));
    OtaAgent a = new OtaAgent(pole, configAgent, dir, slotRoot, runningSlot(running, slotRoot, files), clock, timer, floor, files);
    // first: what the last start left (a trial, a rollback, a cut switch) is settled before any offer is looked at
    a.hand(() -> a.trial.settle(trialDeadline));
    DeviceConfig c = pole.config();
    Topics topics = Topics.withPrefix(c.getUplink().getTopicPrefix());
    List<String> offerTopics = new ArrayList<>();
    offerTopics.add(topics.topic(pole.deviceId(), Topics.Kind.OTA_OFFER));
    c.getIdentity().getGroupsList().forEach(g -> offerTopics.add(topics.groupTopic(g, Topics.Kind.OTA_OFFER)));
    Link link = pole.link();
    for (String f : offerTopics) {
      a.subscriptions.add(link.subscribe(f, (t, p) -> a.arrived(ControlGate.Topic.OTA_OFFER, p, () -> a.offered(t, p))));
    }
    a.subscriptions.add(link.subscribe(topics.topic(pole.deviceId(), Topics.Kind.OTA_CHUNK_DATA), (t, p) -> a.chunkArrived(p)));
    link.onStateChange(s -> {
      if (s == Link.State.CONNECTED) {
        a.hand(a.fetch::askAgain);
      }
    });
    a.tick();
    return a;
  }

  /** The slot this process runs from: the launcher's MAST_SLOT, else the boot pointer's active slot (read once: a process never changes slot). */
  private static String runningSlot(String given, Path slotRoot, DurableFiles files) {
    if ("a".equals(given) || "b".equals(given) || slotRoot == null) {
      return given;
    }
    try {
      return BootState.read(files, slotRoot).active();
    } catch (IOException e) {
      return "a";
    }
  }

  /**
   * An offer on {@code topic}: checked, then downloaded. An offer to a group has its chunks served
   * on the group's {@code od} too (the publisher sends a chunk many poles ask for once, there), so
   * the download listens there while it runs.
   */
  private void offered(String topic, byte[] payload) {
    OtaManifestMessage m = offers.check(payload, fetch.bundle());
    if (m != null) {
      Topics topics = Topics.withPrefix(place.pole().config().getUplink().getTopicPrefix());
      String fanOut = topics.group(topic).map(g -> topics.groupTopic(g, Topics.Kind.OTA_CHUNK_DATA)).orElse(null);
      fetch.begin(m, fanOut);
    }
  }

  /**
   * On Paho's thread: a message on an OTA topic (admitted by the pole's gate at the socket, within
   * its budget of signature checks for offers), queued, or dropped and counted when the queue is
   * full. An empty one (a retained offer cleared, or one emptied by the gate) is nothing to do.
   */
  private void arrived(ControlGate.Topic topic, byte[] payload, Runnable work) {
    if (closed || payload.length == 0) {
      return;
    }
    if (!worker.offer(work)) {
      place.pole().gate().dropped(topic, QUEUE + " messages wait already");
      if (topic == ControlGate.Topic.OTA_CHUNK) {
        fetch.dropped();
      }
    }
  }

  /** On Paho's thread: a message on this pole's {@code od} or, while a group offer downloads, the group's. */
  private void chunkArrived(byte[] payload) {
    arrived(ControlGate.Topic.OTA_CHUNK, payload, () -> fetch.chunk(payload));
  }

  private void hand(Runnable work) {
    if (!closed) {
      worker.offer(work);
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    place.timer().schedule(RESEND, () -> {
      hand(fetch::resendTick);
      tick();
    });
  }

  /** Messages handled (offers, chunks, timer ticks). */
  public long handled() {
    return worker.handled();
  }

  /** Messages dropped because the agent's queue was full. */
  public long dropped() {
    return worker.dropped();
  }

  /** The latest status sent, or null. */
  public OtaMessages.Status status() {
    return place.reports().last();
  }

  /** The highest security counter this pole has taken. */
  public long counterFloor() {
    return place.floor().counterFloor;
  }

  /** Lines for the console's {@code ota status}: the slots, the download, the last report, the floor. Any thread. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    Path root = place.slotRoot();
    if (root == null) {
      out.add("slots     none: not started by the launcher (updates are downloaded and verified, not installed)");
    } else {
      try {
        BootState b = BootState.read(place.files(), root);
        out.add("slots     running " + place.running() + ", active " + b.active() + (b.trial().isEmpty() ? "" : ", on trial " + b.trial()
            + " (start " + b.tries() + ")") + (b.last().isEmpty() ? "" : "; last: " + b.last()));
      } catch (IOException e) {
        out.add("slots     the boot pointer does not read: " + e.getMessage());
      }
    }
    if (trial.onTrial()) {
      List<String> missing = trial.healthMissing();
      out.add("trial     " + trial.secondsLeft() + " s left to prove its health"
          + (missing.isEmpty() ? "; healthy" : "; still: " + String.join("; ", missing)));
    }
    out.add(fetch.describe());
    OtaMessages.Status s = place.reports().last();
    out.add("reported  " + (s == null ? "nothing yet" : s.toString()));
    String installed = place.floor().installedVersion;
    out.add("floor     security counter " + Long.toUnsignedString(counterFloor()) + (installed.isEmpty() ? "" : ", installed " + installed));
    return out;
  }

  @Override
  public void close() {
    closed = true;
    trial.stop();
    subscriptions.forEach(Link.Subscription::close);
    try {
      worker.close();
      fetch.close();
      place.floor().close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("ota: closing: {}", e.getMessage());
    }
  }
}
