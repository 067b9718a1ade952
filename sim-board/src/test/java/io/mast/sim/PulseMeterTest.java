package io.mast.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.pi4j.io.gpio.digital.DigitalState;
import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.PulseMeter;
import io.mast.drivers.PulseTotals;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pulse meter on the simulated board's mock GPIO, timed by the board's GPIO clock: debounce,
 * crash-safe totals (a "power cut" is a copy of the journal file taken while the meter runs, which
 * is exactly what flash holds at that instant) and setting the total by hand.
 */
class PulseMeterTest {
  private static final long MS = 1_000_000L;
  private static final int PIN = 17;
  private static final ChannelSpec WATER =
      new ChannelSpec("water-meter", "water.volume", "", 0, 1_000_000, 0, true);

  @TempDir
  Path dir;
  private SimulatedBoard board;
  private final java.util.List<PulseMeter> meters = new java.util.ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    board = SimulatedBoard.start(SimPoles.example(), SimulatedBoard.Transport.IN_PROCESS, dir);
  }

  @AfterEach
  void stop() {
    meters.forEach(PulseMeter::close);
    board.close();
  }

  private PulseMeter meter(Path journal, ChannelSpec spec, long pulsesPerUnit) throws IOException {
    PulseMeter meter = PulseMeter.builder(board, spec, PIN, journal).pulsesPerUnit(pulsesPerUnit)
        .nanoClock(board.gpioClock()).checkpointExecutor(new DirectExecutor()).build();
    meter.open();
    meters.add(meter);
    return meter;
  }

  private PulseMeter water() throws IOException {
    return meter(dir.resolve("water.pulses"), WATER, 1);
  }

  private long reported(PulseMeter meter) throws IOException {
    ChannelValue v = meter.sample().get("water.volume");
    assertTrue(v.isOk(), v.toString());
    return v.mantissa();
  }

  @Test
  void contactBounceAtBothEndsOfAPulseCountsOnce() throws IOException {
    PulseMeter meter = water();
    board.level(PIN, DigitalState.HIGH, 100 * MS);
    board.level(PIN, DigitalState.LOW, 1 * MS);   // closing bounce
    board.level(PIN, DigitalState.HIGH, 2 * MS);
    board.level(PIN, DigitalState.LOW, 80 * MS);  // the pulse
    board.level(PIN, DigitalState.HIGH, 1 * MS);  // opening bounce
    board.level(PIN, DigitalState.LOW, 1 * MS);
    board.level(PIN, DigitalState.HIGH, 500 * MS);
    assertEquals(1, reported(meter));
    assertEquals(7, meter.edges());
  }

  @Test
  void aSpikeShorterThanTheDebounceTimeIsNoise() throws IOException {
    PulseMeter meter = water();
    board.level(PIN, DigitalState.HIGH, 100 * MS);
    board.level(PIN, DigitalState.LOW, 5 * MS);
    board.level(PIN, DigitalState.HIGH, 500 * MS);
    assertEquals(0, reported(meter));
    assertEquals(1, meter.noiseDropped());
  }

  @Test
  void aLineHeldLowIsCountedByTheNextSampleAndNotAgainWhenItReleases() throws IOException {
    PulseMeter meter = water();
    board.level(PIN, DigitalState.HIGH, 100 * MS);
    board.level(PIN, DigitalState.LOW, 3_600_000 * MS);
    assertEquals(1, reported(meter));
    board.level(PIN, DigitalState.HIGH, 100 * MS);
    assertEquals(1, reported(meter));
  }

  @Test
  void gasMeterPulsesBecomeHundredthsOfACubicMetre() throws IOException {
    ChannelSpec gas = new ChannelSpec("gas-meter", "water.volume", "", -2, 1_000_000, 0, true);
    PulseMeter meter = meter(dir.resolve("gas.pulses"), gas, 100);
    board.pulse("water.volume", 7);
    assertEquals(7, reported(meter));
  }

  @Test
  void aPowerCutLosesOnlyThePulsesAfterTheLastCheckpoint() throws IOException {
    PulseMeter meter = water();
    board.pulse("water.volume", 25); // checkpoints at 10 and 20 pulses
    Path flash = powerCut(dir.resolve("water.pulses"));
    assertEquals(20, PulseTotals.read(flash).total(), "the 5 pulses after the last checkpoint are what a cut loses");
    assertEquals(25, reported(meter));
  }

  @Test
  void aReportedTotalIsOnFlashBeforeItIsReported() throws IOException {
    PulseMeter meter = water();
    board.pulse("water.volume", 3);
    assertEquals(3, reported(meter));
    Path flash = powerCut(dir.resolve("water.pulses"));
    meters.remove(meter);
    meter.close();
    Files.move(flash, dir.resolve("water.pulses"), StandardCopyOption.REPLACE_EXISTING);
    PulseMeter after = water();
    assertEquals(3, reported(after), "a restart neither resets nor repeats the total");
    board.pulse("water.volume", 2);
    assertEquals(5, reported(after));
  }

  @Test
  void settingTheTotalToTheMechanicalRegisterIsDurableAndCountingGoesOn() throws IOException {
    PulseMeter meter = water();
    meter.setTotal(183_442);
    board.pulse("water.volume", 2);
    assertEquals(183_444, reported(meter));
    meters.remove(meter);
    meter.close();
    assertEquals(183_444, PulseTotals.read(dir.resolve("water.pulses")).total());
    assertThrows(IllegalArgumentException.class, () -> water().setTotal(-1));
  }

  @Test
  void aTornNewestCheckpointFallsBackToThePreviousOne() throws IOException {
    PulseMeter meter = water();
    board.pulse("water.volume", 4);
    reported(meter);
    board.pulse("water.volume", 4);
    reported(meter);
    Path flash = powerCut(dir.resolve("water.pulses"));
    PulseTotals.Checkpoint newest = PulseTotals.read(flash);
    assertEquals(8, newest.total());
    long newestSlot = newest.seq() % 128;
    try (RandomAccessFile f = new RandomAccessFile(flash.toFile(), "rw")) {
      f.seek(newestSlot * 32 + 20);
      f.write(new byte[] {0x55, 0x55, 0x55});
    }
    assertEquals(4, PulseTotals.read(flash).total(), "the CRC refuses the torn slot, the slot before it stands");
  }

  @Test
  void aSecondProcessCannotOpenAHeldTotal() throws IOException {
    water();
    IOException held = assertThrows(IOException.class, () -> PulseTotals.read(dir.resolve("water.pulses")));
    assertTrue(held.getMessage().contains("held by another"), held.getMessage());
  }

  /** What flash holds at this instant: a copy of the journal file. */
  private Path powerCut(Path journal) throws IOException {
    Path copy = dir.resolve("after-cut-" + System.nanoTime() + ".pulses");
    Files.copy(journal, copy);
    return copy;
  }

  /** Runs background checkpoints at once, on the thread that emitted the pulse. */
  private static final class DirectExecutor extends AbstractExecutorService {
    private boolean shutdown;

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
