package io.mast.devkit;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.pole.ReplayOptions;
import io.mast.sim.Replay;
import io.mast.sim.SimSignals;
import io.mast.sim.SimulatedBoard;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code mast sim}: the simulated board alone, each device behind a socat pseudo-terminal whose
 * path it prints, so picocom, mbpoll or {@code mast probe} can talk to the simulated devices.
 * Its values move like a live pole's (as in {@code mast run --sim}), or follow a replayed
 * readings file. Runs until interrupted, or for {@code --duration} seconds.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = {"Run the simulated board alone on pseudo-terminals and print their paths.",
        "Example: mast sim --replay data/water-daiad.csv.gz --map water.meter07=water.volume --speed 3600"})
final class SimCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Device config with board sim (default: the embedded simulated pole).")
  Path config;

  @Option(names = "--pty-dir", paramLabel = "DIR", defaultValue = "mast-sim/tty", description = "Where the pty links go (default: ${DEFAULT-VALUE}).")
  Path ptyDir;

  @Mixin ReplayOptions replay;

  @Option(names = "--map", paramLabel = "FILE_CHANNEL=CHANNEL", description = "Which channel of the --replay file drives which board channel (repeatable), e.g. water.meter07=water.volume.")
  Map<String, String> map = new LinkedHashMap<>();

  @Option(names = "--duration", paramLabel = "SECONDS", description = "Stop after this many seconds (default: run until interrupted).")
  Long duration;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    double speed = replay.speed(spec);
    if (replay.file != null && map.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--replay needs --map FILE_CHANNEL=CHANNEL for each channel it drives");
    }
    DeviceConfig device = config == null ? SimulatedBoard.exampleConfig() : DeviceConfigs.readFile(config);
    Files.createDirectories(ptyDir);
    List<AutoCloseable> resources = new ArrayList<>();
    SimulatedBoard board = SimulatedBoard.start(device, SimulatedBoard.Transport.PTY, ptyDir);
    try {
      if (replay.file == null) {
        SimSignals.live(board, device, resources);
      } else {
        resources.add(board);
      }
      board.ptyPaths().forEach((bus, path) -> out.println(bus + " " + path.toAbsolutePath()));
      out.println("simulated board running" + (replay.file == null ? " with live values" : ", replaying " + replay.file)
          + "; pulse meters are on mock GPIO inside this process; Ctrl-C stops");
      out.flush();
      Thread player = replay.file == null ? null : player(board, speed, out);
      CountDownLatch stop = new CountDownLatch(1);
      if (duration == null) {
        stop.await();
      } else {
        stop.await(duration, TimeUnit.SECONDS);
      }
      if (player != null) {
        player.interrupt();
      }
    } finally {
      for (AutoCloseable r : resources) {
        r.close();
      }
    }
    return 0;
  }

  private Thread player(SimulatedBoard board, double speed, PrintWriter out) {
    // max plays the whole file at once: the board keeps each channel's last value
    Replay r = new Replay(board, map, speed == 0 ? Double.MAX_VALUE : speed, Thread::sleep);
    Thread player = new Thread(() -> {
      try {
        Replay.Result result = r.play(replay.file);
        out.println("replay done: " + result.played() + " rows played, " + result.skipped() + " of other channels, "
            + result.malformed() + " malformed" + (result.firstProblem().isEmpty() ? "" : " (first: " + result.firstProblem() + ")"));
        out.flush();
      } catch (InterruptedException e) {
        // stopped
      } catch (Exception e) {
        spec.commandLine().getErr().println("mast sim: replay stopped: " + e.getMessage());
      }
    }, "mast-sim-replay");
    player.setDaemon(true);
    player.start();
    return player;
  }
}
