package io.mast.pole;

import io.mast.runtime.console.PinHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code mast console hash-pin}: the technician PIN as {@code console.pin_hash} keeps it. The PIN
 * is read twice without echo on a terminal (or two lines from standard input, for scripts) and
 * never printed; only its salted hash is.
 */
@Command(name = "console", mixinStandardHelpOptions = true, description = {
    "Attach to the technician's console of the Mast running on this board (its Unix socket); type exit to leave.",
    "Example: mast console"},
    subcommands = ConsoleCommand.HashPin.class)
final class ConsoleCommand implements Callable<Integer> {
  /** Where a runtime's socket is looked for, in order, when --socket is not given. */
  static final List<Path> DEFAULT_SOCKETS = List.of(Path.of("/run/mast/console.sock"), Path.of("/var/lib/mast/console.sock"),
      Path.of("mast-sim/console.sock"));

  @picocli.CommandLine.Option(names = "--socket", paramLabel = "PATH", description = "The runtime's console socket "
      + "(default: the first of /run/mast/console.sock, /var/lib/mast/console.sock, mast-sim/console.sock that exists).")
  Path socket;

  /**
   * The socket of a runtime whose state is under {@code stateRoot}: in systemd's runtime
   * directory ({@code RUNTIME_DIRECTORY}) when there is one, else beside the state.
   */
  static Path socketOf(Path stateRoot) {
    String runtimeDir = System.getenv("RUNTIME_DIRECTORY");
    if (runtimeDir != null && !runtimeDir.isBlank()) {
      return Path.of(runtimeDir.split(":")[0], "console.sock");
    }
    return stateRoot.resolve("console.sock");
  }

  /** Whether {@code mast console} finds {@code path} without being told. */
  static boolean foundByDefault(Path path) {
    Path p = path.toAbsolutePath().normalize();
    return DEFAULT_SOCKETS.stream().anyMatch(d -> d.toAbsolutePath().normalize().equals(p));
  }

  @Override
  public Integer call() throws IOException {
    Path path = socket;
    if (path == null) {
      path = DEFAULT_SOCKETS.stream().filter(java.nio.file.Files::exists).findFirst().orElse(null);
      if (path == null) {
        System.err.println("mast console: no running Mast found (no socket at " + DEFAULT_SOCKETS.stream().map(Path::toString)
            .collect(java.util.stream.Collectors.joining(", ")) + "); start it, or give --socket PATH");
        return 1;
      }
    }
    java.nio.channels.SocketChannel channel;
    try {
      channel = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      System.err.println("mast console: cannot attach to " + path + " (" + e.getMessage()
          + "): is Mast running, and is this the user it runs as?");
      return 1;
    }
    StdioTerminal raw = null;
    if (System.console() != null) {
      System.err.println("mast console: attached to " + path + "; Ctrl-C cancels a line or a watch there, exit leaves");
      raw = StdioTerminal.open();
    }
    StdioTerminal terminal = raw;
    Thread up = new Thread(() -> {
      byte[] buffer = new byte[256];
      try {
        if (terminal != null) {
          while (true) {
            int n = terminal.read(buffer, 1000);
            if (n > 0) {
              channel.write(java.nio.ByteBuffer.wrap(buffer, 0, n));
            }
          }
        }
        int n;
        while ((n = System.in.read(buffer)) > 0) {
          channel.write(java.nio.ByteBuffer.wrap(buffer, 0, n));
        }
      } catch (IOException e) {
        // the terminal or the socket went away
      }
    }, "mast-console-up");
    up.setDaemon(true);
    up.start();
    try (channel) {
      java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(4096);
      while (channel.read(in) > 0) {
        System.out.write(in.array(), 0, in.position());
        System.out.flush();
        in.clear();
      }
    } catch (IOException e) {
      // the runtime closed the session
    } finally {
      if (raw != null) {
        raw.close();
      }
    }
    System.out.println();
    return 0;
  }
  /** The shortest PIN taken: four digits are what a keypad lock has, and the lock-out does the rest. */
  static final int MIN_PIN = 4;
  static final int MAX_PIN = 64;

  @Command(name = "hash-pin", mixinStandardHelpOptions = true,
      description = {"Read a technician PIN twice (no echo) and print the console.pin_hash value to put in the device config.",
          "Example: mast console hash-pin"})
  static final class HashPin implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      Console terminal = System.console();
      BufferedReader stdin = terminal != null ? null : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      char[] first = read(terminal, stdin, "PIN: ");
      char[] second = read(terminal, stdin, "PIN again: ");
      try {
        if (first == null || second == null) {
          System.err.println("mast console hash-pin: no PIN given (type it twice)");
          return 1;
        }
        if (!Arrays.equals(first, second)) {
          System.err.println("mast console hash-pin: the two PINs differ; nothing printed");
          return 1;
        }
        if (first.length < MIN_PIN || first.length > MAX_PIN) {
          System.err.println("mast console hash-pin: a PIN has " + MIN_PIN + " to " + MAX_PIN + " characters, not " + first.length);
          return 1;
        }
        System.out.println(PinHash.hash(first));
        return 0;
      } finally {
        if (first != null) {
          Arrays.fill(first, '\0');
        }
        if (second != null) {
          Arrays.fill(second, '\0');
        }
      }
    }

    private static char[] read(Console terminal, BufferedReader stdin, String prompt) throws IOException {
      if (terminal != null) {
        return terminal.readPassword(prompt);
      }
      String line = stdin.readLine();
      return line == null ? null : line.toCharArray();
    }
  }
}
