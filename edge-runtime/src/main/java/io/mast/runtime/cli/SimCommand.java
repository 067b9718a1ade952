package io.mast.runtime.cli;

import io.mast.config.DeviceConfigs;
import io.mast.config.model.DeviceConfig;
import io.mast.sim.Replay;
import io.mast.sim.SimulatedBoard;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mast sim}: the simulated board alone, each device behind a socat pseudo-terminal whose
 * path it prints, so picocom, mbpoll or {@code mast probe} can talk to the simulated devices. Runs
 * until interrupted (or for {@code --seconds}); {@code --replay} feeds a readings CSV into it.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = "Run the simulated board alone on pseudo-terminals and print their paths.")
final class SimCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Device config with board sim (default: the embedded sim pole).")
  Path config;

  @Option(names = "--pty-dir", paramLabel = "DIR", defaultValue = "mast-sim/tty", description = "Where the pty links go (default: ${DEFAULT-VALUE}).")
  Path ptyDir;

  @Option(names = "--replay", paramLabel = "CSV", description = "Readings CSV to play into the simulators.")
  Path replay;

  @Option(names = "--map", paramLabel = "CSV_CHANNEL=CHANNEL", description = "Which CSV channel drives which board channel (repeatable).")
  Map<String, String> map = new LinkedHashMap<>();

  @Option(names = "--speed", defaultValue = "60", paramLabel = "X", description = "Replay speed, times real time (default: ${DEFAULT-VALUE}).")
  double speed;

  @Option(names = "--seconds", paramLabel = "S", description = "Stop after S seconds (default: run until interrupted).")
  Long seconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    DeviceConfig device = config == null ? SimulatedBoard.exampleConfig()
        : DeviceConfigs.parseJson(Files.readString(config, StandardCharsets.UTF_8));
    Files.createDirectories(ptyDir);
    try (SimulatedBoard board = SimulatedBoard.start(device, SimulatedBoard.Transport.PTY, ptyDir)) {
      board.ptyPaths().forEach((bus, path) -> out.println(bus + " " + path.toAbsolutePath()));
      out.println("simulated board running; pulse meters are on mock GPIO inside this process");
      out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      Thread player = null;
      if (replay != null) {
        Replay r = new Replay(board, map, speed, Thread::sleep);
        player = new Thread(() -> {
          try {
            Replay.Result result = r.play(replay);
            out.println("replay done: " + result);
            out.flush();
          } catch (Exception e) {
            spec.commandLine().getErr().println("mast sim: replay stopped: " + e.getMessage());
          }
        }, "replay");
        player.setDaemon(true);
        player.start();
      }
      if (seconds == null) {
        stop.await();
      } else {
        stop.await(seconds, TimeUnit.SECONDS);
      }
      if (player != null) {
        player.interrupt();
      }
    }
    return 0;
  }
}
