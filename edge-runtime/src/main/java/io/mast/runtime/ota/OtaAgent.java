package io.mast.runtime.ota;

import io.mast.config.model.DeviceConfig;
import io.mast.ota.BootState;
import io.mast.ota.Download;
import io.mast.protocol.ControlRefusedException;
import io.mast.protocol.FrameFormatException;
import io.mast.protocol.OtaManifestMessage;
import io.mast.protocol.OtaMessages;
import io.mast.protocol.SignedControl;
import io.mast.protocol.Topics;
import io.mast.protocol.TrustUpdateMessage;
import io.mast.runtime.core.Pole;
import io.mast.runtime.agent.ConfigAgent;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import io.mast.seams.TwoSlotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tinylog.Logger;

/**
 * Updates of Mast itself, the pole's side of the download: an offer on {@code o} (the device's
 * and each group's, retained), the chunks it lacks asked for on {@code oc} with a window of
 * {@value #WINDOW} in flight, taken from {@code od}, progress and outcome on {@code os}.
 *
 * <p><b>An offer, in this order</b>: the envelope is verified before anything in it is parsed
 * (at most {@link OtaManifestMessage#MAX_ENVELOPE_BYTES}, a trusted key, the signature, type
 * {@code OTA_MANIFEST}, target, validity by the config agent's clock rule); then the manifest's
 * structure; then every refusal at once, each reported on {@code os} as {@code REFUSED} with the
 * reason: another board's bundle, a Java too old for it, a security counter below the floor (a
 * downgrade), an offer issued no later than the last one taken (a replay), a bundle rolled back
 * before, not enough disk for the download and the staging (with the bytes needed). The floor,
 * the newest issue time and the rolled-back bundles persist in a {@link TwoSlotFile} (magic
 * "MOTF").
 *
 * <p><b>The download</b> ({@link Download}) seeds itself from the running slot's files, so only
 * changed chunks travel, checks every chunk on arrival, survives link drops (chunks in flight are
 * asked again after {@link #RESEND} without progress) and restarts (the bitmap). Once every chunk
 * is here: {@code VERIFIED}; with a slot layout (the launcher's {@code MAST_ROOT}) the bundle is
 * staged into the inactive slot, the boot pointer gets it as the trial slot, {@code INSTALLED}
 * goes out and the runtime is asked to restart. Without one, it stays verified and says so.
 * (The trial's health gate and the commit are the next step of this agent.)
 *
 * <p>Threads: Paho's thread hands messages to the agent's own ({@code mast-ota}, a queue of
 * {@value #QUEUE}; more are dropped and counted: a dropped chunk is asked again).
 */
public final class OtaAgent implements AutoCloseable {
  public static final int WINDOW = 4;
  static final int QUEUE = 16;
  public static final Duration RESEND = Duration.ofSeconds(30);
  /** How often a download held for telemetry or the budget looks again. */
  static final Duration BULK_RECHECK = Duration.ofSeconds(5);
  /** Chunks taken between two DOWNLOADING reports. */
  static final int PROGRESS_EVERY = 64;
  private static final int MAGIC = 0x4d4f5446; // "MOTF"
  private static final int MAX_FAILED = 8;

  private final Pole runtime;
  /** The config agent: its clock rule for offers, and the commit of a trust update. */
  private final ConfigAgent configAgent;
  private final Link link;
  private final Path dir;
  private final Path slotRoot;
  /** The slot this process runs from (with a slot layout). */
  private final String running;
  private final Clock clock;
  private final Scheduler timer;
  private final TwoSlotFile floorFile;
  /** The file layer of the download, the staging and the boot pointer (a fault-injecting one in tests). */
  private final DurableFiles files;
  private final io.mast.runtime.agent.AgentWorker worker = new io.mast.runtime.agent.AgentWorker("mast-ota", QUEUE);
  private final List<Link.Subscription> subscriptions = new ArrayList<>();
  private final Set<Integer> inFlight = new HashSet<>();
  private volatile long counterFloor;
  private long lastIssued;
  /** The bundle of the last offer taken (its retained offer, seen again after a restart, resumes the download). */
  private final byte[] offeredBundle = new byte[32];
  /** Staged into the other slot and not yet committed or rolled back. */
  private boolean staged;
  /** The bundle this start reported ROLLED_BACK for: its retained offer, seen again now, needs no REFUSED as well. */
  private byte[] reportedRollback;
  /** The issue time of the last trust update taken: an older one is a replay, refused. */
  private long lastTrustIssued;
  private final List<byte[]> failed = new ArrayList<>();
  /** The bundle staged into the trial slot or committed last: its counter, hash and version. */
  private long installedCounter;
  private final byte[] installedBundle = new byte[32];
  private volatile String installedVersion = "";
  private volatile Download download;
  /** System.nanoTime() of the last chunk request or arrival. */
  private long progressAt;
  /** Chunks here when DOWNLOADING was last reported; -1 before the first report of a download. */
  private int reportedDone = -1;
  private byte[] lastRefused;
  private volatile OtaMessages.Status last;
  private volatile boolean closed;
  /** The download waits for telemetry or the budget ({@link Link#bulkAllowed}); a look again is scheduled. */
  private volatile boolean paused;
  private boolean recheckPending;

  private OtaAgent(Pole runtime, ConfigAgent configAgent, Path dir, Path slotRoot, String running, Clock clock, Scheduler timer,
      TwoSlotFile floorFile, DurableFiles files) {
    this.runtime = runtime;
    this.configAgent = configAgent;
    this.files = files;
    this.running = runningSlot(running, slotRoot, files);
    this.clock = clock;
    this.link = runtime.link();
    this.dir = dir;
    this.slotRoot = slotRoot;
    this.timer = timer;
    this.floorFile = floorFile;
    TwoSlotFile.Read r = floorFile.opened();
    if (!r.empty()) {
      try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(r.payload()))) {
        counterFloor = in.readLong();
        lastIssued = in.readLong();
        installedCounter = in.readLong();
        in.readFully(installedBundle);
        installedVersion = in.readUTF();
        int n = in.readInt();
        for (int i = 0; i < Math.min(n, MAX_FAILED); i++) {
          byte[] h = new byte[32];
          in.readFully(h);
          failed.add(h);
        }
        lastTrustIssued = in.readLong();
        in.readFully(offeredBundle);
        staged = in.readBoolean();
      } catch (IOException e) {
        Logger.warn("ota: {} does not read ({}); the floor starts again from 0", dir.resolve("floor.state"), e.getMessage());
      }
    }
  }

  /**
   * Starts the agent of {@code runtime} with its state in {@code dir}; {@code slotRoot} is the
   * launcher's root (slots and boot pointer), or null when Mast was not started by the launcher.
   * Offers are checked against {@code configAgent}'s clock rule and trust updates committed through it.
   */
  public static OtaAgent start(Pole runtime, ConfigAgent configAgent, Path dir, Path slotRoot, String running, Duration trialDeadline, Clock clock,
      Scheduler timer, DurableFiles files) throws IOException {
    Files.createDirectories(dir);
    // 512-byte slots, for good: a file of smaller slots is started again empty, which would zero a pole's floor. The state
    // (saveFloor) is at most 423 bytes: the counters and hashes, a version of at most 64 ASCII characters, 8 failed bundles.
    TwoSlotFile floor = TwoSlotFile.open(files, dir.resolve("floor.state"), MAGIC, 256 + MAX_FAILED * 32);
    OtaAgent a = new OtaAgent(runtime, configAgent, dir, slotRoot, running, clock, timer, floor, files);
    // first: what the last start left (a trial, a rollback, a cut switch) is settled before any offer is looked at
    a.hand(() -> a.trialOrOutcome(trialDeadline));
    DeviceConfig c = runtime.config();
    Topics topics = Topics.withPrefix(c.getUplink().getTopicPrefix());
    List<String> offers = new ArrayList<>();
    offers.add(topics.topic(runtime.deviceId(), Topics.Kind.OTA_OFFER));
    c.getIdentity().getGroupsList().forEach(g -> offers.add(topics.groupTopic(g, Topics.Kind.OTA_OFFER)));
    for (String f : offers) {
      a.subscriptions.add(a.link.subscribe(f, (t, p) -> a.hand(() -> a.offered(p))));
    }
    a.subscriptions.add(a.link.subscribe(topics.topic(runtime.deviceId(), Topics.Kind.OTA_CHUNK_DATA), (t, p) -> a.hand(() -> a.chunk(p))));
    a.link.onStateChange(s -> {
      if (s == Link.State.CONNECTED) {
        a.hand(a::askAgain);
      }
    });
    a.tick();
    return a;
  }

  // ------------------------------------------------------------------ the trial and its outcome

  /** How long a trial start has to prove itself healthy, by default. */
  public static final Duration TRIAL_DEADLINE = Duration.ofMinutes(10);

  private volatile boolean trial;
  private volatile long trialDeadlineMillis;
  private volatile java.util.concurrent.CompletableFuture<Void> trialStatusAcked;

  /**
   * At start, with a slot layout: a trial start begins proving itself; a rollback the launcher
   * made is reported (once its report reached the broker, it is cleared from the boot pointer)
   * and its bundle is never taken again.
   */
  private void trialOrOutcome(Duration deadline) {
    if (slotRoot == null) {
      return;
    }
    try {
      BootState boot = BootState.read(files, slotRoot);
      String slot = running;
      if (boot.trial().equals(slot)) {
        trial = true;
        trialDeadlineMillis = clock.millis() + deadline.toMillis();
        sampleEveryDriver();
        Logger.info("ota: slot {} ({}) is on trial, start {}; it commits once healthy, within {} s", slot, installedVersion, boot.tries(),
            deadline.toSeconds());
        proveHealth();
      } else if (staged && boot.last().equals(committedMark())) {
        Logger.warn("ota: the power went between the commit of {} and raising the counter floor; finishing the commit", installedVersion);
        committed();
      } else if (boot.last().startsWith("rolled_back:")) {
        String why = boot.last().substring("rolled_back:".length());
        if (failed.stream().noneMatch(h -> Arrays.equals(h, installedBundle))) {
          failed.add(installedBundle.clone()); // once, however many starts it takes to report it
        }
        reportedRollback = installedBundle.clone();
        staged = false;
        saveFloor();
        Logger.warn("ota: the launcher rolled {} back: {}", installedVersion, why);
        OtaMessages.Status s = new OtaMessages.Status(installedVersion, OtaMessages.State.ROLLED_BACK, 0, 0, "slot " + why);
        last = s;
        link.publish(Topics.Kind.OTA_STATUS, s.toBytes(), true).thenRun(() -> hand(() -> clearLast(boot)));
      } else if (staged && boot.trial().isEmpty()) {
        // staged, but the boot pointer never got the trial: the power went while staging or switching
        Logger.warn("ota: {} was staged but the switch to it did not happen (a power cut); it is staged again when offered",
            installedVersion);
        staged = false;
        Arrays.fill(installedBundle, (byte) 0);
        installedVersion = "";
        saveFloor();
      }
    } catch (IOException e) {
      Logger.error("ota: reading the boot pointer under {} failed: {}", slotRoot, e.getMessage());
    }
  }

  private void clearLast(BootState seen) {
    try {
      BootState now = BootState.read(files, slotRoot);
      if (now.equals(seen)) {
        new BootState(now.active(), now.trial(), now.tries(), "").write(files, slotRoot);
      }
    } catch (IOException e) {
      Logger.warn("ota: clearing the reported outcome failed: {}", e.getMessage());
    }
  }

  /**
   * The health rule of a trial start, checked every second until it holds or the deadline passes:
   * the broker reached and this start's {@code os} report acknowledged by it (PUBACK), every
   * driver sampled once at the trial's start (a sample or an error both count: the new version's
   * sampling works; a driver that hangs does not), and the store took readings.
   * A link that is up at any moment of the deadline is enough; a trial with no link at all fails
   * and is rolled back once, and that bundle is never taken again, so a dead link cannot loop.
   */
  private void proveHealth() {
    if (!trial || closed) {
      return;
    }
    if (trialStatusAcked == null || trialStatusAcked.isCompletedExceptionally()) {
      OtaMessages.Status s = new OtaMessages.Status(installedVersion, OtaMessages.State.INSTALLED, 0, 0,
          "slot " + running + " on trial: proving its health");
      last = s;
      trialStatusAcked = link.publish(Topics.Kind.OTA_STATUS, s.toBytes(), true);
    }
    List<String> missing = healthMissing();
    if (missing.isEmpty()) {
      commit();
      return;
    }
    if (clock.millis() >= trialDeadlineMillis) {
      String why = "not healthy within the trial's deadline: " + String.join(", ", missing);
      Logger.error("ota: {} {}; stopping, so the launcher counts this start", installedVersion, why);
      trial = false;
      runtime.requestRestart("update trial failed: " + why);
      return;
    }
    timer.schedule(Duration.ofSeconds(1), () -> hand(this::proveHealth));
  }

  /** Drivers whose sample at the trial's start has not come back yet (a hung driver stays here). */
  private final Set<String> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Samples every driver once now (shown to nobody, not stored), so slow channels need not wait for their tick. */
  private void sampleEveryDriver() {
    io.mast.runtime.sampling.LiveSensors sensors = runtime.sensors();
    if (sensors == null) {
      return;
    }
    for (io.mast.drivers.SensorDriver d : sensors.drivers()) {
      unanswered.add(d.name());
      runtime.sampler().sampleNow(d).whenComplete((sample, failure) -> unanswered.remove(d.name()));
    }
  }

  /** What the health rule still lacks, empty when it holds. */
  private List<String> healthMissing() {
    List<String> out = new ArrayList<>();
    if (trialStatusAcked == null || !trialStatusAcked.isDone() || trialStatusAcked.isCompletedExceptionally()) {
      out.add("no report acknowledged by the broker yet");
    }
    if (!unanswered.isEmpty()) {
      out.add("sensors that neither sampled nor reported an error: " + String.join(", ", unanswered));
    }
    try {
      if (runtime.snapshot().stored() == 0) {
        out.add("no reading stored yet");
      }
    } catch (IOException e) {
      out.add("the store does not answer: " + e.getMessage());
    }
    return out;
  }

  private void commit() {
    String slot = running;
    try {
      new BootState(slot, "", 0, committedMark()).write(files, slotRoot);
    } catch (IOException e) {
      Logger.error("ota: committing slot {} failed ({}); the launcher will count this start", slot, e.getMessage());
      return;
    }
    committed();
  }

  /** What the boot pointer's {@code last} says once this slot's bundle is committed. */
  private String committedMark() {
    return "committed:" + running + ":" + installedVersion;
  }

  /** After the boot pointer's commit: the floor raised, the staging done, {@code COMMITTED} reported. */
  private void committed() {
    String slot = running;
    trial = false;
    staged = false;
    if (Long.compareUnsigned(installedCounter, counterFloor) > 0) {
      counterFloor = installedCounter;
    }
    if (!saveFloor()) {
      Logger.error("ota: {} is committed but the counter floor is not written; the next start finishes the commit", installedVersion);
      return;
    }
    Logger.info("ota: {} in slot {} proved healthy and is committed; the security counter floor is {}", installedVersion, slot,
        Long.toUnsignedString(counterFloor));
    send(new OtaMessages.Status(installedVersion, OtaMessages.State.COMMITTED, 0, 0, "slot " + slot));
  }

  private void hand(Runnable work) {
    if (!closed) {
      worker.offer(work);
    }
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
    return last;
  }

  /** Lines for the console's {@code ota status}: the slots, the download, the last report, the floor. Any thread. */
  public List<String> describe() {
    List<String> out = new ArrayList<>();
    if (slotRoot == null) {
      out.add("slots     none: not started by the launcher (updates are downloaded and verified, not installed)");
    } else {
      try {
        BootState b = BootState.read(files, slotRoot);
        out.add("slots     running " + running + ", active " + b.active() + (b.trial().isEmpty() ? "" : ", on trial " + b.trial()
            + " (start " + b.tries() + ")") + (b.last().isEmpty() ? "" : "; last: " + b.last()));
      } catch (IOException e) {
        out.add("slots     the boot pointer does not read: " + e.getMessage());
      }
    }
    if (trial) {
      List<String> missing = healthMissing();
      out.add("trial     " + Math.max(0, (trialDeadlineMillis - clock.millis()) / 1000) + " s left to prove its health"
          + (missing.isEmpty() ? "; healthy" : "; still: " + String.join("; ", missing)));
    }
    Download d = download;
    if (d != null) {
      int total = d.manifest().chunks().size();
      out.add("download  " + d.manifest().version() + ": " + (total - d.missing()) + " of " + total + " chunks, " + d.missingBytes()
          + " bytes to go, " + d.refused() + " refused" + (paused && d.missing() > 0 ? "; waits for telemetry or the byte budget" : ""));
    } else {
      out.add("download  none");
    }
    OtaMessages.Status s = last;
    out.add("reported  " + (s == null ? "nothing yet" : s.toString()));
    out.add("floor     security counter " + Long.toUnsignedString(counterFloor) + (installedVersion.isEmpty() ? "" : ", installed "
        + installedVersion));
    return out;
  }

  /** The highest security counter this pole has taken. */
  public long counterFloor() {
    return counterFloor;
  }

  private void offered(byte[] payload) {
    if (payload.length == 0) {
      return;
    }
    DeviceConfig c = runtime.config();
    ConfigAgent clockRule = configAgent;
    SignedControl.Verified v;
    OtaManifestMessage m;
    try {
      v = SignedControl.verify(payload, OtaManifestMessage.MAX_ENVELOPE_BYTES, ConfigAgent.trusted(c),
          java.util.EnumSet.of(SignedControl.Type.OTA_MANIFEST, SignedControl.Type.TRUST_UPDATE),
          new SignedControl.Audience(runtime.deviceId(), Set.copyOf(c.getIdentity().getGroupsList())), clockRule.now(),
          clockRule.clockTrusted());
      clockRule.sawIssued(v.issuedAt());
      if (v.type() == SignedControl.Type.TRUST_UPDATE) {
        trustUpdate(payload, v);
        return;
      }
      m = OtaManifestMessage.parse(v.payload());
    } catch (ControlRefusedException e) {
      refuseOnce(payload, "", String.join("; ", e.reasons()));
      return;
    } catch (FrameFormatException e) {
      refuseOnce(payload, "", e.getMessage());
      return;
    }
    if (download != null && Arrays.equals(download.manifest().bundleSha256(), m.bundleSha256())
        || Arrays.equals(installedBundle, m.bundleSha256()) && !failed.stream().anyMatch(h -> Arrays.equals(h, m.bundleSha256()))) {
      return; // the retained offer seen again at a connect: the download goes on, or it is installed already
    }
    if (Arrays.equals(reportedRollback, m.bundleSha256()) && v.issuedAt() == lastIssued) {
      return; // the very offer taken, still retained: ROLLED_BACK said it all (a new offer of it is refused below)
    }
    List<String> reasons = new ArrayList<>();
    if (!m.target().equals(c.getBoard())) {
      reasons.add("target '" + m.target() + "' is not this pole's board '" + c.getBoard() + "'");
    }
    if (m.minJava() > Runtime.version().feature()) {
      reasons.add("it needs Java " + m.minJava() + "; this pole runs Java " + Runtime.version().feature());
    }
    if (Long.compareUnsigned(m.securityCounter(), counterFloor) < 0) {
      reasons.add("downgrade: security counter " + Long.toUnsignedString(m.securityCounter()) + " is below this pole's floor "
          + Long.toUnsignedString(counterFloor));
    }
    if (v.issuedAt() < lastIssued || v.issuedAt() == lastIssued && !Arrays.equals(offeredBundle, m.bundleSha256())) {
      reasons.add("an old offer replayed: issued at " + v.issuedAt() + ", not after the last one taken (" + lastIssued + ")");
    }
    if (failed.stream().anyMatch(h -> Arrays.equals(h, m.bundleSha256()))) {
      reasons.add("this bundle was rolled back on this pole before; offer a new one");
    }
    if (reasons.isEmpty()) {
      try {
        long free = files.usableSpace(dir); // statvfs: a chroot has no mount table entry for FileStore
        long need = 2 * m.totalSize(); // the download and the staged slot
        if (free < need) {
          reasons.add("not enough disk: " + need + " bytes needed (download and staging), " + free + " free under " + dir);
        }
      } catch (IOException e) {
        reasons.add("cannot tell the free disk space under " + dir + ": " + e.getMessage());
      }
    }
    if (!reasons.isEmpty()) {
      refuseOnce(payload, m.version(), String.join("; ", reasons));
      return;
    }
    lastIssued = v.issuedAt();
    System.arraycopy(m.bundleSha256(), 0, offeredBundle, 0, 32);
    saveFloor();
    begin(m);
  }

  /**
   * A verified trust update (key rotation): parsed, refused on {@code os} when it is malformed or
   * not issued after the last one taken (a replay), else handed to the config agent, which applies
   * the new key set as a config edit, guarded and acknowledged on {@code ca}.
   */
  private void trustUpdate(byte[] payload, SignedControl.Verified v) {
    TrustUpdateMessage t;
    try {
      t = TrustUpdateMessage.parse(v.payload());
    } catch (FrameFormatException e) {
      refuseOnce(payload, "", e.getMessage());
      return;
    }
    if (v.issuedAt() == lastTrustIssued) {
      return; // the retained one taken last, seen again at a connect: nothing to do
    }
    if (v.issuedAt() < lastTrustIssued) {
      refuseOnce(payload, "", "a trust update replayed: issued at " + v.issuedAt() + ", before the last one taken (" + lastTrustIssued + ")");
      return;
    }
    lastTrustIssued = v.issuedAt();
    saveFloor();
    configAgent.rotateTrust(t, v.keyId()).whenComplete((ack, failure) -> {
      if (ack != null) {
        Logger.info("ota: the trust update signed by '{}': {}", v.keyId(), ack);
      }
    });
  }

  private void begin(OtaManifestMessage m) {
    try {
      if (download != null) {
        download.close();
      }
      // the same bundle's chunks from before a restart are kept (the bitmap says which); another's start again
      download = Download.open(dir.resolve("download"), m, files);
      inFlight.clear();
      reportedDone = -1;
      int seeded = slotRoot == null ? 0 : download.seedFrom(slotRoot.resolve("slots").resolve(running));
      Logger.info("ota: {} offered ({} chunks, {} bytes); {} chunks already on this pole, {} bytes to fetch", m.version(),
          m.chunks().size(), m.totalSize(), seeded, download.missingBytes());
      send(OtaMessages.State.OFFERED, "");
      if (download.missing() == 0) {
        complete(); // everything was here: a power cut after the download, while staging or switching
      } else {
        askMore();
      }
    } catch (IOException e) {
      Logger.error("ota: starting the download of {} failed: {}", m.version(), e.getMessage());
      send(new OtaMessages.Status(m.version(), OtaMessages.State.REFUSED, 0, m.chunks().size(), "the pole could not start the download: "
          + e.getMessage()));
      download = null;
    }
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

  private void chunk(byte[] payload) {
    link.spendBulk(payload.length + link.topic(Topics.Kind.OTA_CHUNK_DATA).length() + 7L); // the PUBLISH's header and PUBACK too
    OtaMessages.ChunkData d;
    try {
      d = OtaMessages.ChunkData.parse(payload);
    } catch (FrameFormatException e) {
      Logger.warn("ota: dropped a chunk message: {}", e.getMessage());
      return;
    }
    if (download == null || !Arrays.equals(d.bundleSha256(), download.manifest().bundleSha256())) {
      Logger.debug("ota: a chunk of a bundle not being downloaded, dropped");
      return;
    }
    try {
      if (download.missing() == 0) {
        return; // complete already: a duplicate of a chunk asked twice, which must not stage the bundle again
      }
      String refused = download.accept(d.index(), d.data());
      inFlight.remove(d.index());
      if (refused != null) {
        Logger.warn("ota: {} ({} refused so far); asking for it again", refused, download.refused());
      } else {
        progressAt = System.nanoTime();
      }
      if (download.missing() == 0) {
        complete();
      } else {
        askMore();
      }
    } catch (IOException e) {
      Logger.error("ota: writing a chunk failed: {}; the download stops until the next offer", e.getMessage());
    }
  }

  private void askMore() {
    if (download == null || link.state() != Link.State.CONNECTED) {
      return;
    }
    if (!link.bulkAllowed()) {
      // telemetry and alarms first, and the daily budget holds: look again in a while
      if (!paused) {
        paused = true;
        Logger.info("ota: the download of {} waits: telemetry is being sent or the daily byte budget is spent",
            download.manifest().version());
      }
      if (!recheckPending) {
        recheckPending = true;
        timer.schedule(BULK_RECHECK, () -> hand(() -> {
          recheckPending = false;
          askMore();
        }));
      }
      return;
    }
    if (paused) {
      paused = false;
      Logger.info("ota: the download of {} goes on", download.manifest().version());
    }
    List<Integer> next = download.next(WINDOW - inFlight.size(), inFlight);
    if (next.isEmpty()) {
      return;
    }
    inFlight.addAll(next);
    progressAt = System.nanoTime();
    Download asked = download;
    link.publish(Topics.Kind.OTA_CHUNK_REQUEST, new OtaMessages.ChunkRequest(download.manifest().bundleSha256(), next).toBytes(), false)
        .whenComplete((ok, failure) -> {
          if (failure != null) {
            // the request never reached the broker (a lost connection): asked again now, or at the next connect
            hand(() -> {
              if (download == asked) {
                next.forEach(inFlight::remove);
                askMore();
              }
            });
          }
        });
    int done = download.manifest().chunks().size() - download.missing();
    if (reportedDone < 0 || done - reportedDone >= PROGRESS_EVERY) {
      reportedDone = done;
      send(OtaMessages.State.DOWNLOADING, "");
    }
  }

  /** After a reconnect, or a while without progress: the chunks in flight are asked for again. */
  private void askAgain() {
    if (download != null && download.missing() > 0) {
      inFlight.clear();
      askMore();
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    timer.schedule(RESEND, () -> {
      hand(() -> {
        // asked again only after RESEND without a chunk since the last request or arrival: a slow
        // link that is still delivering the window is not asked twice
        if (!inFlight.isEmpty() && System.nanoTime() - progressAt >= RESEND.toNanos()) {
          askAgain();
        } else if (inFlight.isEmpty() && download != null && download.missing() > 0 && !paused) {
          askMore(); // nothing asked (the link was down when it would have been): ask now
        }
        try {
          if (download != null) {
            download.checkpoint();
          }
        } catch (IOException e) {
          Logger.warn("ota: checkpoint of the download failed: {}", e.getMessage());
        }
      });
      tick();
    });
  }

  private void complete() throws IOException {
    download.checkpoint();
    OtaManifestMessage m = download.manifest();
    if (slotRoot == null) {
      Logger.info("ota: {} downloaded and verified; not installed: Mast was not started by the launcher (no MAST_ROOT)", m.version());
      send(OtaMessages.State.VERIFIED, "not installed: this Mast was not started by the launcher (no slot layout)");
      return;
    }
    send(OtaMessages.State.VERIFIED, "");
    BootState boot = BootState.read(files, slotRoot);
    String target = BootState.other(running);
    Path slot = slotRoot.resolve("slots").resolve(target);
    deleteTree(slot);
    download.assemble(slot);
    installedCounter = m.securityCounter();
    System.arraycopy(m.bundleSha256(), 0, installedBundle, 0, 32);
    installedVersion = m.version();
    staged = true;
    saveFloor(); // before the switch: a power cut between the two is found at the next start
    new BootState(boot.active(), target, 0, "installed:" + target + ":" + m.version()).write(files, slotRoot);
    Logger.info("ota: {} staged in slot {} and set to be tried at the next start", m.version(), target);
    send(OtaMessages.State.INSTALLED, "slot " + target);
    runtime.requestRestart("update " + m.version() + " installed in slot " + target);
  }

  private void send(OtaMessages.State state, String detail) {
    OtaManifestMessage m = download == null ? null : download.manifest();
    int total = m == null ? 0 : m.chunks().size();
    send(new OtaMessages.Status(m == null ? "" : m.version(), state, total - (download == null ? 0 : download.missing()), total, detail));
  }

  private void send(OtaMessages.Status s) {
    last = s;
    link.publish(Topics.Kind.OTA_STATUS, s.toBytes(), true);
  }

  private void refuseOnce(byte[] payload, String version, String why) {
    if (Arrays.equals(payload, lastRefused)) {
      return;
    }
    lastRefused = payload;
    Logger.warn("ota: an offer{} refused: {}", version.isEmpty() ? "" : " of " + version, why);
    send(new OtaMessages.Status(version, OtaMessages.State.REFUSED, 0, 0, why));
  }

  /** Writes the floor state; false (and logged) when it could not be written. */
  private boolean saveFloor() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeLong(counterFloor);
      out.writeLong(lastIssued);
      out.writeLong(installedCounter);
      out.write(installedBundle);
      out.writeUTF(installedVersion);
      List<byte[]> kept = failed.subList(Math.max(0, failed.size() - MAX_FAILED), failed.size());
      out.writeInt(kept.size());
      for (byte[] h : kept) {
        out.write(h);
      }
      out.writeLong(lastTrustIssued);
      out.write(offeredBundle);
      out.writeBoolean(staged);
      floorFile.write(1, bytes.toByteArray());
      return true;
    } catch (IOException e) {
      Logger.error("ota: writing {} failed: {}", dir.resolve("floor.state"), e.getMessage());
      return false;
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    subscriptions.forEach(Link.Subscription::close);
    try {
      worker.close();
      if (download != null) {
        download.checkpoint();
        download.close();
      }
      floorFile.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      Logger.warn("ota: closing: {}", e.getMessage());
    }
  }
}
