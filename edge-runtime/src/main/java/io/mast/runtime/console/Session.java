package io.mast.runtime.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * One person on one {@link Terminal}: the line discipline ({@link LineEditor}), the prompt, the
 * login, the staged config edits and a {@code watch}, on a thread of its own, so the pole samples
 * and sends on while someone types, or leaves a watch open.
 *
 * <p><b>Nothing half-done.</b> A command runs whole once its line ended; staged config edits
 * change nothing until {@code config apply}, which runs whole on the config agent's thread. A
 * line lost (cable pulled, client gone) ends the session: staged edits are dropped and audited
 * as dropped, the login ends. Idle for {@link #IDLE} while logged in: logged out the same way.
 */
final class Session implements Shell.Caller, Runnable {
  /** Logged in and silent this long: logged out, staged edits dropped. */
  static final Duration IDLE = Duration.ofMinutes(10);
  /** The longest line the console takes. */
  static final int MAX_LINE = 512;
  /** How often a watch prints. */
  static final Duration WATCH_EVERY = Duration.ofSeconds(1);

  private enum Mode { COMMAND, PIN, CONFIRM, WATCH }

  private final Terminal terminal;
  private final ConsoleService service;
  private final Shell shell;
  private final Clock clock;
  private final LineEditor editor;
  private final Shell.Staged staged = new Shell.Staged();
  private Mode mode = Mode.COMMAND;
  private boolean loggedIn;
  private boolean ended;
  private long lastInput;
  private long nextWatch;
  private List<String> watching = List.of();

  Session(Terminal terminal, ConsoleService service, Shell shell, Clock clock) {
    this.terminal = terminal;
    this.service = service;
    this.shell = shell;
    this.clock = clock;
    this.editor = new LineEditor(MAX_LINE, shell::complete);
  }

  @Override
  public void run() {
    byte[] buffer = new byte[256];
    lastInput = clock.millis();
    try {
      say("Mast console on " + service.deviceId() + " (" + terminal.via() + "). Type help; Tab completes.");
      prompt();
      while (!ended && !service.closed()) {
        int n = terminal.read(buffer, 200);
        long now = clock.millis();
        if (n > 0) {
          lastInput = now;
          feed(Arrays.copyOf(buffer, n));
        }
        if (mode == Mode.WATCH && now >= nextWatch) {
          nextWatch = now + WATCH_EVERY.toMillis();
          write(shell.watchLine(watching) + "\r\n");
        }
        if (loggedIn && now - lastInput >= IDLE.toMillis()) {
          boolean dropped = staged.count() > 0;
          endLogin("logged out after " + IDLE.toMinutes() + " min idle");
          mode = Mode.COMMAND;
          editor.secret(false);
          write("\r\n");
          say("logged out after " + IDLE.toMinutes() + " min without a key pressed" + (dropped ? "; staged edits dropped" : ""));
          prompt();
        }
      }
    } catch (IOException e) {
      if (loggedIn || staged.count() > 0) {
        endLogin("line lost (" + e.getMessage() + ")");
      }
    } finally {
      terminal.close();
      service.ended(this);
    }
  }

  /** Byte by byte, so a mode a line starts (the PIN's secrecy) holds for the very next byte typed ahead. */
  private void feed(byte[] bytes) throws IOException {
    for (int i = 0; i < bytes.length && !ended; i++) {
      feedOne(bytes, i);
    }
  }

  private void feedOne(byte[] bytes, int at) throws IOException {
    LineEditor.Output o = editor.feed(bytes, at, 1);
    if (mode == Mode.WATCH) {
      // a watch prints on: the only key it takes is Ctrl-C (or a line end) to stop
      for (LineEditor.Event e : o.events()) {
        if (e instanceof LineEditor.Cancel || e instanceof LineEditor.Line) {
          mode = Mode.COMMAND;
          write("^C\r\n");
          say("watch stopped");
          prompt();
          return;
        }
      }
      return;
    }
    write(o.echo());
    for (LineEditor.Event e : o.events()) {
      if (ended) {
        return;
      }
      if (e instanceof LineEditor.Line line) {
        line(line.text());
      } else if (e instanceof LineEditor.Cancel) {
        if (mode == Mode.PIN) {
          editor.secret(false);
          say("login cancelled");
        }
        mode = Mode.COMMAND;
        prompt();
      } else if (e instanceof LineEditor.Refused refused) {
        if (mode == Mode.PIN) {
          editor.secret(false);
          mode = Mode.COMMAND;
        }
        say(refused.why());
        prompt();
      }
    }
  }

  private void line(String text) throws IOException {
    switch (mode) {
      case PIN -> {
        editor.secret(false);
        mode = Mode.COMMAND;
        char[] pin = text.toCharArray();
        try {
          LoginGuard.Attempt a = service.login(pin, terminal.via());
          loggedIn = a.admitted();
          say(a.admitted() ? "logged in as technician; changes are audited (whoami)" : a.message());
        } finally {
          Arrays.fill(pin, '\0');
        }
      }
      case CONFIRM -> {
        mode = Mode.COMMAND;
        if (text.strip().equalsIgnoreCase("yes")) {
          List<String> out = new java.util.ArrayList<>();
          shell.restartConfirmed(this, out);
          out.forEach(this::sayQuietly);
        } else {
          say("not restarted");
        }
      }
      default -> {
        Shell.Result r = shell.run(this, text);
        for (String l : r.lines()) {
          say(l);
        }
      }
    }
    if (!ended && mode != Mode.WATCH) {
      prompt();
    }
  }

  private void prompt() throws IOException {
    String p = mode == Mode.PIN ? "PIN: " : mode == Mode.CONFIRM ? "restart Mast now? type yes: "
        : service.deviceId() + (loggedIn ? "# " : "> ");
    editor.prompt(p);
    write(p);
  }

  private void say(String line) throws IOException {
    write(line + "\r\n");
  }

  private void sayQuietly(String line) {
    try {
      say(line);
    } catch (IOException e) {
      ended = true;
    }
  }

  private void write(String text) throws IOException {
    if (!text.isEmpty()) {
      terminal.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Ends the login (and drops staged edits), audited with why. */
  private void endLogin(String why) {
    String dropped = staged.count() > 0 ? "; " + staged.count() + " staged config edits dropped, nothing applied" : "";
    staged.clear();
    if (loggedIn) {
      loggedIn = false;
      service.audit(who(true), "logout: " + why + dropped);
    } else if (!dropped.isEmpty()) {
      service.audit(who(), "session ended: " + why + dropped);
    }
  }

  // ------------------------------------------------------------------ Shell.Caller

  @Override
  public String who() {
    return who(loggedIn);
  }

  private String who(boolean technician) {
    return (technician ? "technician" : "anonymous") + "@" + terminal.via();
  }

  @Override
  public boolean mayChange() {
    return loggedIn;
  }

  @Override
  public String howToChange() {
    return "log in first: type login, then the technician PIN";
  }

  @Override
  public boolean interactive() {
    return true;
  }

  @Override
  public Shell.Staged staged() {
    return staged;
  }

  @Override
  public void login() {
    if (loggedIn) {
      sayQuietly("already logged in as " + who());
      return;
    }
    mode = Mode.PIN;
    editor.secret(true);
  }

  @Override
  public void logout() {
    if (!loggedIn) {
      sayQuietly("not logged in");
      return;
    }
    endLogin("by the technician");
    sayQuietly("logged out");
  }

  @Override
  public void watch(List<String> sensorIds) {
    watching = List.copyOf(sensorIds);
    mode = Mode.WATCH;
    nextWatch = 0;
    sayQuietly("watching " + String.join(" ", watching) + " every " + WATCH_EVERY.toSeconds() + " s; Ctrl-C stops");
  }

  @Override
  public void confirmRestart() {
    mode = Mode.CONFIRM;
  }

  @Override
  public void exit() {
    if (loggedIn || staged.count() > 0) {
      endLogin("exit");
    }
    sayQuietly("bye");
    ended = true;
  }

  /** Ends the session from outside (the runtime stops). */
  void close() {
    ended = true;
    terminal.close();
  }
}
