package io.mast.config;

import io.mast.config.model.DeviceConfig;
import io.mast.seams.AtomicFiles;
import io.mast.seams.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The current and the previous device config on disk, in their JSON form, replaced atomically.
 * Thread-safe: every method is synchronized (configs change a few times a year).
 *
 * <pre>
 * DIR/current.json    the config in force
 * DIR/previous.json   the one before it, for revert
 * DIR/*.json.tmp      a write in progress; deleted at open
 * </pre>
 *
 * <p>Commit protocol of {@link #apply}: validate and check the version first; then write
 * previous.json.tmp, fsync, rename over previous.json; then write current.json.tmp, fsync,
 * rename over current.json (the commit point), fsync the directory; only then update memory. A
 * power cut at any step leaves current.json either the old config or the new one, whole.
 */
public final class ConfigStore {
  static final String CURRENT = "current.json";
  static final String PREVIOUS = "previous.json";

  private final Path dir;
  private final DurableFiles files;
  private final Validation.Mode mode;
  private DeviceConfig current;
  private DeviceConfig previous;

  private ConfigStore(Path dir, DurableFiles files, Validation.Mode mode) {
    this.dir = dir;
    this.files = files;
    this.mode = mode;
  }

  /**
   * Opens the store in {@code dir} (created if missing), reading what is there. A current.json
   * that does not parse (it cannot be torn, but an SD card can rot) is an error naming the file.
   */
  public static ConfigStore open(Path dir, DurableFiles files, Validation.Mode mode) throws IOException {
    files.createDirectories(dir);
    ConfigStore store = new ConfigStore(dir, files, mode);
    AtomicFiles.removeLeftovers(files, dir.resolve(CURRENT), dir.resolve(PREVIOUS));
    store.current = store.load(CURRENT);
    store.previous = store.load(PREVIOUS);
    return store;
  }

  private DeviceConfig load(String name) throws IOException {
    byte[] bytes = files.readAll(dir.resolve(name));
    if (bytes == null) {
      return null;
    }
    try {
      return DeviceConfigs.parseJson(new String(bytes, StandardCharsets.UTF_8));
    } catch (ConfigException e) {
      throw new ConfigException(dir.resolve(name).toString(), e.problems(), e);
    }
  }

  /** The config in force, or null before the first one. */
  public synchronized DeviceConfig current() {
    return current;
  }

  /** The config before the current one, or null. */
  public synchronized DeviceConfig previous() {
    return previous;
  }

  /**
   * Validates {@code next}, refuses it unless its version is newer than the current one, stores
   * it durably and returns what changed. Nothing on disk or in memory changes when it throws.
   *
   * @throws ConfigException listing every error, or saying why the version is refused
   * @throws IOException if the disk fails; the old config is still in force
   */
  public synchronized List<DeviceConfigs.Change> apply(DeviceConfig next) throws IOException {
    List<Problem> problems = DeviceConfigs.validate(next, mode);
    if (problems.stream().anyMatch(Problem::isError)) {
      throw new ConfigException(problems);
    }
    if (current != null && Long.compareUnsigned(next.getVersion(), current.getVersion()) <= 0) {
      throw new ConfigException("config version " + Long.toUnsignedString(next.getVersion())
          + " is not newer than the current version " + Long.toUnsignedString(current.getVersion()));
    }
    if (current != null) {
      replace(PREVIOUS, current);
    }
    replace(CURRENT, next);
    List<DeviceConfigs.Change> changes = DeviceConfigs.diff(current == null ? DeviceConfig.getDefaultInstance() : current, next);
    previous = current;
    current = next;
    return changes;
  }

  /**
   * Puts the previous config back in force (the link guard's revert): current.json becomes the
   * previous config by the same atomic replace; previous.json stays, so a second revert is a
   * no-op. Returns the config now in force.
   *
   * @throws IllegalStateException if there is no previous config
   */
  public synchronized DeviceConfig revert() throws IOException {
    if (previous == null) {
      throw new IllegalStateException("no previous config to revert to");
    }
    replace(CURRENT, previous);
    current = previous;
    return current;
  }

  /**
   * Takes {@code config} as the one in force without the version rule (at start, when the board's
   * config file is newer than what the store holds, or the store holds none).
   */
  public synchronized void adopt(DeviceConfig config) throws IOException {
    if (current != null && !current.equals(config)) {
      replace(PREVIOUS, current);
      previous = current;
    }
    replace(CURRENT, config);
    current = config;
  }

  private void replace(String name, DeviceConfig config) throws IOException {
    AtomicFiles.replace(files, dir.resolve(name), DeviceConfigs.toJson(config).getBytes(StandardCharsets.UTF_8));
  }
}
