package io.mast.protocol;

import java.util.Arrays;
import java.util.Optional;

/**
 * The MQTT topic scheme: a per-device prefix (default {@code m/{device}/}) followed by a short
 * suffix, because every publish pays for its topic on the air. Immutable and thread-safe.
 *
 * <p>The prefix template must contain {@code {device}} exactly once and end with "/"; the device
 * id must be a single topic level (no "/", "+", "#" or NUL). {@link #parse} is the inverse, for
 * tools that read {@code mosquitto_sub} output.
 */
public final class Topics {
  /** Default prefix template. */
  public static final String DEFAULT_PREFIX = "m/{device}/";

  /** Every topic a device uses, with its suffix; documented in protocol/README.md. */
  public enum Kind {
    TELEMETRY("t"), ALARM("a"), PROFILE("p"), HEALTH("h"), STATUS("s"),
    CONFIG_SET("c"), CONFIG_ACK("ca"), OTA_OFFER("o"), OTA_STATUS("os"),
    OTA_CHUNK_REQUEST("oc"), OTA_CHUNK_DATA("od"), CONSOLE_COMMAND("x"), CONSOLE_REPLY("xr"), AUDIT("au");

    private final String suffix;

    Kind(String suffix) {
      this.suffix = suffix;
    }

    public String suffix() {
      return suffix;
    }

    static Optional<Kind> ofSuffix(String suffix) {
      return Arrays.stream(values()).filter(k -> k.suffix.equals(suffix)).findFirst();
    }
  }

  /** A topic taken apart: which device and which kind of message. */
  public record Parsed(String device, Kind kind) {}

  private final String before;
  private final String after;

  private Topics(String template) {
    int at = template.indexOf("{device}");
    if (at < 0 || template.indexOf("{device}", at + 1) >= 0 || !template.endsWith("/")) {
      throw new IllegalArgumentException("topic prefix '" + template + "' must contain {device} once and end with /");
    }
    if (template.contains("+") || template.contains("#")) {
      throw new IllegalArgumentException("topic prefix '" + template + "' must not contain MQTT wildcards");
    }
    this.before = template.substring(0, at);
    this.after = template.substring(at + "{device}".length());
  }

  public static Topics withPrefix(String template) {
    return new Topics(template);
  }

  public static Topics standard() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** The topic of a kind of message for a device, e.g. {@code m/pole-17/t}. */
  public String topic(String device, Kind kind) {
    if (device.isEmpty() || device.chars().anyMatch(c -> c == '/' || c == '+' || c == '#' || c == 0)) {
      throw new IllegalArgumentException("device id '" + device + "' must be one non-empty topic level without / + # or NUL");
    }
    return before + device + after + kind.suffix();
  }

  /**
   * The topic of a kind of message for every pole of a group, e.g. {@code m/@north/c}: the
   * device level holds {@code @} and the group's name, which no device id can hold. A pole
   * subscribes to the config topic of each of its {@code identity.groups}.
   */
  public String groupTopic(String group, Kind kind) {
    if (!isGroupName(group)) {
      throw new IllegalArgumentException("group '" + group + "' must be 1 to 64 letters, digits, . _ or -");
    }
    return before + "@" + group + after + kind.suffix();
  }

  /** The group a topic of this scheme is for ({@code m/@north/o}: "north"), or empty for a device's topic or another's. */
  public Optional<String> group(String topic) {
    return parse(topic).map(Parsed::device).filter(d -> d.startsWith("@")).map(d -> d.substring(1));
  }

  /** Whether {@code name} may name a group: 1 to 64 ASCII letters, digits, '.', '_' or '-'. */
  public static boolean isGroupName(String name) {
    return !name.isEmpty() && name.length() <= 64
        && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'));
  }

  /** A subscription filter for one kind of message of every device, e.g. {@code m/+/t}. */
  public String filter(Kind kind) {
    return before + "+" + after + kind.suffix();
  }

  /** Takes a topic apart, or empty if it is not one of this scheme's. */
  public Optional<Parsed> parse(String topic) {
    if (!topic.startsWith(before)) {
      return Optional.empty();
    }
    for (Kind kind : Kind.values()) {
      String end = after + kind.suffix();
      if (topic.endsWith(end) && topic.length() > before.length() + end.length()) {
        String device = topic.substring(before.length(), topic.length() - end.length());
        if (device.indexOf('/') < 0) {
          return Optional.of(new Parsed(device, kind));
        }
      }
    }
    return Optional.empty();
  }
}
