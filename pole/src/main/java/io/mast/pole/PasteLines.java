package io.mast.pole;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code mast run} prints for a person to paste: the {@code mosquitto_sub} lines that watch
 * the embedded broker, the {@code mast config push} that changes the simulated pole live, and
 * paths as a person would type them. Each line fits 80 columns but for long paths, and a command
 * continued with a backslash pastes as one.
 */
final class PasteLines {
  private PasteLines() {}

  /**
   * The two lines to paste to watch the embedded broker: messages as they come, and the readings
   * decoded. The default port is left out, and a line too long for 80 columns is continued with
   * a backslash, so that each fits a terminal and pastes as one command.
   */
  static List<String> subscribe(int port) {
    String mast = System.getenv().getOrDefault("MAST_COMMAND", "mast");
    String sub = "mosquitto_sub -h 127.0.0.1" + (port == 1883 ? "" : " -p " + port) + " -t 'm/#'";
    List<String> lines = new ArrayList<>();
    lines.add(sub + " -F '%I %t %l bytes'");
    String decode = sub + " -F '%t %x' | " + mast + " decode --hex --follow";
    if (decode.length() <= 78) {
      lines.add(decode);
    } else {
      lines.add(sub + " -F '%t %x' \\");
      lines.add("  | " + mast + " decode --hex --follow");
    }
    return lines;
  }

  /**
   * How to push a config to this simulated pole: the file to start from, and the command,
   * continued with a backslash so it pastes as one. Within 80 columns but for the paths, which
   * stand on lines of their own when they are long.
   */
  static List<String> push(String broker, String id, Path key, Path current, long version) {
    String mast = System.getenv().getOrDefault("MAST_COMMAND", "mast");
    List<String> lines = new ArrayList<>();
    lines.add("mast: to change it live, edit a copy of its config, give it a version above " + Long.toUnsignedString(version) + ":");
    lines.add("  " + shown(current));
    lines.add("  " + mast + " config push --broker " + broker + " --device " + id + " \\");
    String keyLine = "    --key " + shown(key) + " --key-id " + SimPlatformKey.KEY_ID + " FILE.json";
    if (keyLine.length() <= 80) {
      lines.add(keyLine);
    } else {
      lines.add("    --key " + shown(key) + " \\");
      lines.add("    --key-id " + SimPlatformKey.KEY_ID + " FILE.json");
    }
    return lines;
  }

  /** A path relative to the working directory when it is below it, as a person would type it. */
  static Path shown(Path p) {
    Path here = Path.of("").toAbsolutePath();
    return p.toAbsolutePath().startsWith(here) ? here.relativize(p.toAbsolutePath()) : p;
  }

  /** How to update the simulated pole laid out in slots under {@code root}: pack a changed copy of slot a and publish it. */
  static List<String> update(Path root, String board, String broker, String device) {
    String mast = System.getenv().getOrDefault("MAST_COMMAND", "mast");
    return List.of(
        "mast: OTA slots under " + shown(root) + "; to update this pole, pack a",
        "  changed copy of " + shown(root.resolve("slots/a")) + " and publish it:",
        "  " + mast + " ota pack --version 2 --counter 2 --target " + board + " \\",
        "    --key " + shown(root.resolve("keys/" + SimPlatformKey.KEY_ID + ".pem")) + " \\",
        "    --key-id " + SimPlatformKey.KEY_ID + " --out next.bundle DIR",
        "  " + mast + " ota publish --broker " + broker + " \\",
        "    --device " + device + " next.bundle");
  }
}
