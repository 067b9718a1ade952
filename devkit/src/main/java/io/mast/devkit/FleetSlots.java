package io.mast.devkit;

import io.mast.ota.BootState;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A fleet pole's A/B slots ({@code mast fleet --slots}), laid out as a board's are, with the real
 * launcher ({@code launcher.sh} of the ota module) choosing the slot at every start and counting a
 * trial's starts. The pole itself runs in the fleet's JVM, so a slot's {@code bin/mast} is a probe
 * that only says which slot the launcher chose ({@code MAST_SLOT}); an update's bundle carries the
 * same probe (see {@link #writeRelease}) and whatever payload it is packed with.
 *
 * <pre>
 *   POLE/root/slots/a/bin/mast   the probe
 *   POLE/root/launcher           launcher.sh
 *   POLE/root/boot               the boot pointer
 * </pre>
 */
final class FleetSlots {
  static final String PROBE = "#!/bin/sh\n"
      + "# A mast fleet pole's slot: the pole runs in the fleet's JVM; this tells it which slot the launcher chose.\n"
      + "echo \"slot=$MAST_SLOT\"\n";

  private FleetSlots() {}

  /** Lays out {@code root} once: slot a with the probe, the launcher, the boot pointer of a board as installed. */
  static void layout(DurableFiles files, Path root) throws IOException {
    Path probe = root.resolve("slots/a/bin/mast");
    if (Files.isExecutable(probe)) {
      return;
    }
    writeProbe(probe);
    BootState.installLauncher(root);
    BootState.initial().write(files, root);
  }

  /** A release directory for the fleet's poles: the probe as {@code bin/mast}; add the update's files and pack it. */
  static void writeRelease(Path dir) throws IOException {
    writeProbe(dir.resolve("bin/mast"));
  }

  private static void writeProbe(Path at) throws IOException {
    Files.createDirectories(at.getParent());
    Files.writeString(at, PROBE, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /**
   * Runs {@code sh root/launcher root}: the slot it chose (and wrote into the boot pointer: a
   * trial's count, a rollback). A launcher whose exec of a freshly written probe failed with 126
   * ("text file busy": a child process another thread was starting held the probe's write
   * descriptor for a moment, JDK-8068370) is run again when it had no trial to count.
   */
  static String launch(DurableFiles files, Path root) throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      Process p = new ProcessBuilder("/bin/sh", root.resolve("launcher").toString(), root.toString())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out;
      try (var in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("the launcher under " + root + " did not end within 30 s");
      }
      if (p.exitValue() == 0 && out.matches("slot=[ab]")) {
        return out.substring("slot=".length());
      }
      if (p.exitValue() != 126 || attempt == 5 || !BootState.read(files, root).trial().isEmpty()) {
        throw new IOException("the launcher under " + root + " exited " + p.exitValue() + " saying '" + out + "'; a slot's bin/mast"
            + " must be the fleet's probe (pack the release mast fleet --slots wrote)");
      }
      Thread.sleep(20L * attempt); // a back-off before running it again, while the other child execs
    }
  }
}
