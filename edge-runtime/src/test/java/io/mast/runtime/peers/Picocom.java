package io.mast.runtime.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Debian's picocom on a serial line, driven as a person would through a tmux session of its own
 * (a private tmux server per instance): keys sent, the screen captured as a person sees it. A
 * missing picocom or tmux fails the test with the command that installs it.
 */
public final class Picocom implements AutoCloseable {
  /** The terminal's size: what a laptop's terminal window shows. */
  public static final int COLUMNS = 80;
  public static final int ROWS = 40;

  private final String server;
  private final String session = "picocom";

  private Picocom(String server) {
    this.server = server;
  }

  /**
   * Starts picocom on {@code tty} at {@code baud}; {@code omap} is picocom's output map ("" for
   * none: Enter sends CR; "crlf" sends CR LF).
   */
  public static Picocom start(Path tty, int baud, String omap) throws IOException, InterruptedException {
    String picocom = binary("picocom", "picocom");
    return run(picocom + " -q -b " + baud + (omap.isEmpty() ? "" : " --omap " + omap) + " " + tty);
  }

  /** Runs a command line as printed for a person to paste (a picocom line), in the terminal. */
  public static Picocom run(String command) throws IOException, InterruptedException {
    binary("picocom", "picocom");
    binary("tmux", "tmux");
    Picocom p = new Picocom("mast-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    p.tmux("new-session", "-d", "-s", p.session, "-x", Integer.toString(COLUMNS), "-y", Integer.toString(ROWS), command);
    p.tmux("set-option", "-t", p.session, "history-limit", "5000");
    return p;
  }

  private static String binary(String name, String pkg) {
    for (String d : List.of("/usr/bin/", "/usr/local/bin/")) {
      if (Files.isExecutable(Path.of(d + name))) {
        return d + name;
      }
    }
    throw new AssertionError(name + " is not installed; install it with: sudo apt-get install " + pkg
        + " (./run-tests does this on Debian as root)");
  }

  /** Types {@code text} literally (no key names). */
  public Picocom type(String text) throws IOException, InterruptedException {
    tmux("send-keys", "-t", session, "-l", text);
    return this;
  }

  /** Presses keys by tmux's names: Enter, BSpace, C-c, C-u, Up, Down, Tab, C-j. */
  public Picocom press(String... keys) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
    args.addAll(List.of(keys));
    tmux(args.toArray(String[]::new));
    return this;
  }

  /** Sends raw bytes, as line noise or a misbehaving laptop would. */
  public Picocom bytes(int... values) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", session, "-H"));
    for (int v : values) {
      args.add(String.format("%02x", v & 0xff));
    }
    tmux(args.toArray(String[]::new));
    return this;
  }

  /** Types a line and presses Enter. */
  public Picocom line(String text) throws IOException, InterruptedException {
    type(text);
    return press("Enter");
  }

  /** Everything on the screen and in its scroll-back, as a person would read it (trailing blank lines dropped). */
  public String screen() throws IOException, InterruptedException {
    String s = tmux("capture-pane", "-p", "-J", "-S", "-5000", "-t", session);
    return s.replaceAll("\\s+$", "") + "\n";
  }

  /** Waits (bounded) until the screen shows what {@code test} wants; returns that screen. */
  public String await(String what, Predicate<String> test) {
    return await(what, test, () -> {});
  }

  /**
   * Presses Enter, and again every 5 s, until the screen shows what {@code test} wants (a console
   * answers Enter with its prompt at once). An Enter sent before picocom has set up its terminal
   * (it flushes pending input) or before the far end has opened its port is lost, the more often
   * the busier the machine; pressing again when no answer came takes that race out.
   */
  public String enterUntil(String what, Predicate<String> test) {
    long[] pressed = {0};
    return await(what, test, () -> {
      if (pressed[0] == 0 || System.nanoTime() - pressed[0] >= 5_000_000_000L) {
        pressed[0] = System.nanoTime();
        press("Enter");
      }
    });
  }

  private interface Poll {
    void run() throws Exception;
  }

  private String await(String what, Predicate<String> test, Poll eachPoll) {
    String[] last = {""};
    try {
      Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
        eachPoll.run();
        last[0] = screen();
        return test.test(last[0]);
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the screen never showed " + what + "; it shows:\n" + last[0], e);
    }
    return last[0];
  }

  /** Waits until the screen contains {@code text} {@code times} times or more. */
  public String awaitCount(String text, int times) {
    return await(times + " x '" + text + "'", s -> count(s, text) >= times);
  }

  public static int count(String screen, String text) {
    int n = 0;
    for (int at = screen.indexOf(text); at >= 0; at = screen.indexOf(text, at + text.length())) {
      n++;
    }
    return n;
  }

  private String tmux(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("tmux", "-L", server));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("tmux " + String.join(" ", args) + " failed: " + out.strip());
    }
    return out;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    new ProcessBuilder("tmux", "-L", server, "kill-server").redirectErrorStream(true).start().waitFor();
  }
}
