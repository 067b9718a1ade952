package io.mast.ota;

import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The boot pointer the launcher ({@code launcher.sh}, a POSIX sh script and the only judge of a
 * rollback) reads at every start: {@code ROOT/boot}, key=value lines, replaced whole by an atomic
 * rename after a sync, so a power cut leaves the old pointer or the new one.
 *
 * @param active the slot that proved itself ("a" or "b")
 * @param trial the slot installed and not committed yet, or empty
 * @param tries starts of the trial slot so far (the launcher counts them)
 * @param last the outcome to report next ("committed:b:1.4.2", "rolled_back:b:why"), or empty
 */
public record BootState(String active, String trial, int tries, String last) {
  public static final String FILE = "boot";

  public BootState {
    if (!active.equals("a") && !active.equals("b")) {
      throw new IllegalArgumentException("slot '" + active + "' is neither a nor b");
    }
    if (!trial.isEmpty() && !trial.equals("a") && !trial.equals("b")) {
      throw new IllegalArgumentException("trial slot '" + trial + "' is neither a, b nor empty");
    }
    if (last.contains("\n")) {
      throw new IllegalArgumentException("the outcome is one line");
    }
  }

  /** The pointer of a board as installed: slot a, nothing on trial. */
  public static BootState initial() {
    return new BootState("a", "", 0, "");
  }

  /** The slot that is not {@code slot}. */
  public static String other(String slot) {
    return slot.equals("a") ? "b" : "a";
  }

  /** Reads ROOT/boot as the launcher does: a missing or garbled file is slot a, nothing on trial. */
  public static BootState read(DurableFiles files, Path root) throws IOException {
    byte[] b = files.readAll(root.resolve(FILE));
    return b == null ? initial() : parse(b);
  }

  /** The state a boot pointer file's bytes say, as the launcher reads them: anything garbled is slot a, nothing on trial. */
  public static BootState parse(byte[] b) {
    String active = "a";
    String trial = "";
    int tries = 0;
    String last = "";
    for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String value = line.substring(eq + 1);
      switch (line.substring(0, eq)) {
        case "active" -> active = value.equals("b") ? "b" : value.equals("a") ? "a" : active;
        case "trial" -> trial = value.equals("a") || value.equals("b") ? value : "";
        case "tries" -> tries = value.matches("\\d{1,6}") ? Integer.parseInt(value) : 0;
        case "last" -> last = value;
        default -> { }
      }
    }
    return new BootState(active, trial, tries, last);
  }

  /** Replaces ROOT/boot with this state (written aside, synced, renamed, the directory synced). */
  public void write(DurableFiles files, Path root) throws IOException {
    String text = "active=" + active + "\ntrial=" + trial + "\ntries=" + tries + "\nlast=" + last + "\n";
    AtomicFiles.replace(files, root.resolve(FILE), text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes the launcher script to {@code root/launcher}, executable; returns its path. */
  public static Path installLauncher(Path root) throws IOException {
    Path launcher = root.resolve("launcher");
    java.nio.file.Files.write(launcher, launcher());
    java.nio.file.Files.setPosixFilePermissions(launcher, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    return launcher;
  }

  /** The launcher script, as shipped in this jar. */
  public static byte[] launcher() throws IOException {
    try (InputStream in = BootState.class.getResourceAsStream("launcher.sh")) {
      if (in == null) {
        throw new IOException("launcher.sh is missing from the ota jar");
      }
      return in.readAllBytes();
    }
  }
}
