package io.mast.runtime.ota;

import io.mast.runtime.core.Pole;
import io.mast.runtime.uplink.Link;
import io.mast.seams.DurableFiles;
import io.mast.seams.Scheduler;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * What every phase of an update works with: the pole and its link, the agent's directory, the
 * slot layout ({@code slotRoot} null without the launcher) and the slot this process runs from,
 * the clock and timer, the file layer, the persisted floor, the reports, and {@code hand}, which
 * runs work on the agent's thread (every phase's state is that thread's).
 */
record OtaPlace(Pole pole, Link link, Path dir, Path slotRoot, String running, Clock clock, Scheduler timer, DurableFiles files,
    OtaFloor floor, OtaReports reports, Consumer<Runnable> hand) {}
