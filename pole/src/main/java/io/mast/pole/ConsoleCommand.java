package io.mast.pole;

import io.mast.runtime.console.PinHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code mast console hash-pin}: the technician PIN as {@code console.pin_hash} keeps it. The PIN
 * is read twice without echo on a terminal (or two lines from standard input, for scripts) and
 * never printed; only its salted hash is.
 */
@Command(name = "console", mixinStandardHelpOptions = true, description = "The technician's console.",
    subcommands = ConsoleCommand.HashPin.class)
final class ConsoleCommand {
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
