package io.mast.runtime.console;

import io.mast.config.ConfigException;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.protocol.ConfigAckMessage;
import io.mast.protocol.ConfigSetMessage;
import io.mast.runtime.core.Pole;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The console's {@code config} command: {@code show}, {@code get} and {@code diff} read;
 * {@code set} stages an edit in the caller's {@link Shell.Staged}, {@code discard} drops them and
 * {@code apply} sends them to the config agent as one new version, validated as a platform push
 * is, guarded by the link guard when it touches the link, and audited.
 */
final class ConfigCommands {
  /** How long {@code config apply} waits for the config agent. */
  static final Duration APPLY_WAIT = Duration.ofSeconds(30);
  /** The words after {@code config} that change the pole. */
  static final java.util.Set<String> CHANGING = java.util.Set.of("set", "apply", "discard");
  /** What {@code help config} adds under the usage. */
  static final List<String> HELP = List.of(
      "  show [PATH]      the config in force (secrets masked), or a part of it",
      "  get PATH         one value, e.g. config get uplink.batch_window_s",
      "  set PATH VALUE   stage an edit; VALUE is JSON or a word, null removes",
      "  diff             the staged edits against the config in force",
      "  apply            check and apply them all, as a platform push would",
      "  discard          drop the staged edits");

  private final Pole runtime;
  private final ConsoleService service;

  ConfigCommands(Pole runtime, ConsoleService service) {
    this.runtime = runtime;
    this.service = service;
  }

  /** Sub-commands, then config paths after show, get and set. */
  List<String> complete(List<String> words, int at) {
    if (at == 1) {
      return List.of("show", "get", "set", "diff", "apply", "discard");
    }
    return at == 2 && List.of("show", "get", "set").contains(words.get(1)) ? DeviceConfigs.paths(runtime.config()) : List.of();
  }

  int config(Shell.Caller caller, List<String> args, List<String> out) throws IOException {
    if (args.isEmpty()) {
      out.add("usage: config show|get PATH|set PATH VALUE|diff|apply|discard; e.g. config get uplink.batch_window_s");
      return 2;
    }
    Shell.Staged staged = caller.staged();
    switch (args.get(0)) {
      case "show" -> {
        String json = args.size() > 1 ? valueAt(runtime.config(), args.get(1), out) : DeviceConfigs.toMaskedJson(runtime.config());
        if (json == null) {
          return 2;
        }
        for (String l : json.strip().split("\n")) {
          out.add(l);
        }
        return 0;
      }
      case "get" -> {
        if (args.size() != 2) {
          out.add("usage: config get PATH, e.g. config get sensors[pms].interval_s (Tab completes paths)");
          return 2;
        }
        String v = valueAt(staged.empty() ? runtime.config() : staged.edited, args.get(1), out);
        if (v == null) {
          return 2;
        }
        out.add(args.get(1) + " = " + v + (staged.empty() ? "" : "  (with the staged edits)"));
        return 0;
      }
      case "set" -> {
        return set(staged, args, out);
      }
      case "diff" -> {
        if (staged.empty()) {
          out.add("nothing staged; config set PATH VALUE stages an edit");
          return 0;
        }
        List<DeviceConfigs.Change> changes = DeviceConfigs.diff(runtime.config(), staged.edited);
        if (changes.isEmpty()) {
          out.add("the staged edits change nothing against the config in force");
        }
        changes.forEach(ch -> out.add(ch.toString()));
        return 0;
      }
      case "discard" -> {
        int n = staged.count();
        staged.clear();
        out.add(n == 0 ? "nothing was staged" : n + " staged edits dropped; nothing changed");
        return 0;
      }
      case "apply" -> {
        return apply(caller, staged, out);
      }
      default -> {
        out.add("config " + args.get(0) + "? it is config show|get|set|diff|apply|discard (help config)");
        return 2;
      }
    }
  }

  private int set(Shell.Staged staged, List<String> args, List<String> out) throws IOException {
    if (args.size() < 3) {
      out.add("usage: config set PATH VALUE, e.g. config set sensors[pms].interval_s 30 (null removes a value)");
      return 2;
    }
    String value = String.join(" ", args.subList(2, args.size()));
    DeviceConfig from = staged.empty() ? runtime.config() : staged.edited;
    DeviceConfig next;
    try {
      next = DeviceConfigs.withValue(from, args.get(1), value);
    } catch (ConfigException e) {
      out.add("not staged: " + (e.problems().isEmpty() ? e.getMessage() : e.problems().get(0).toString()));
      return 2;
    }
    if (staged.empty()) {
      staged.base = runtime.config();
    }
    staged.edited = next;
    staged.edits.add(args.get(1));
    out.add("staged: " + args.get(1) + " = " + DeviceConfigs.valueAt(next, args.get(1)).strip()
        + " (" + staged.count() + " staged; config diff, then config apply)");
    return 0;
  }

  private String valueAt(DeviceConfig c, String path, List<String> out) {
    try {
      return DeviceConfigs.valueAt(c, path);
    } catch (ConfigException e) {
      out.add(e.getMessage() + " (Tab completes paths; config show lists them)");
      return null;
    }
  }

  private int apply(Shell.Caller caller, Shell.Staged staged, List<String> out) throws IOException {
    if (staged.empty()) {
      out.add("nothing staged; config set PATH VALUE stages an edit");
      return 2;
    }
    DeviceConfig current = runtime.config();
    if (staged.base.getVersion() != current.getVersion()) {
      out.add("the config changed to version " + Long.toUnsignedString(current.getVersion()) + " since you began (a platform push);"
          + " config discard, then make the edits again");
      return 1;
    }
    List<DeviceConfigs.Change> changes = DeviceConfigs.diff(current, staged.edited);
    if (changes.isEmpty()) {
      staged.clear();
      out.add("the staged edits change nothing; nothing applied");
      return 0;
    }
    long version = service.configAgent().nextVersion();
    DeviceConfig next = staged.edited.toBuilder().setVersion(version).build();
    List<Problem> errors = DeviceConfigs.validate(next, Validation.Mode.DEVICE).stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      out.add("not applied; fix these first (config set, or config discard):");
      errors.forEach(p -> out.add("  " + p));
      return 1;
    }
    boolean guarded = changes.stream().anyMatch(ch -> ch.path().startsWith("uplink") || ch.path().startsWith("trust")
        || ch.path().startsWith("identity"));
    int grace = guarded ? ConfigSetMessage.DEFAULT_GRACE_S : 0;
    ConfigAckMessage ack;
    try {
      ack = service.configAgent().submit(next, ConfigAckMessage.CONSOLE, grace).get(APPLY_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      out.add("the config agent did not answer within " + APPLY_WAIT.toSeconds() + " s; type status to see the version in force");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    staged.clear();
    String changed = String.join(", ", changes.stream().map(DeviceConfigs.Change::path).toList());
    if (ack.result() != ConfigAckMessage.Result.APPLIED) {
      service.audit(caller.who(), "config apply version " + Long.toUnsignedString(version) + " refused: " + String.join("; ", ack.errors()));
      out.add("not applied: " + String.join("; ", ack.errors()));
      return 1;
    }
    service.audit(caller.who(), "config apply version " + Long.toUnsignedString(version) + ": changed " + changed);
    out.add("applied as version " + Long.toUnsignedString(version) + ": changed " + changed);
    ack.warnings().forEach(w -> out.add("  warning: " + w));
    if (guarded) {
      out.add("the link settings changed: it goes back by itself in " + grace / 60 + " min unless the broker confirms it");
    }
    out.add("the platform is told (origin console) when the link is up");
    return 0;
  }
}
