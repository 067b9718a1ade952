package io.mast.config;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.FieldSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry points for the device config: JSON in and out, validation, effective defaults, masking
 * of secrets, differences and the schema listing. Stateless and thread-safe.
 *
 * <p>The JSON form is protobuf's proto3 JSON mapping with the .proto field names
 * ({@code interval_s}); an unknown field is an error, never dropped. Each field's default,
 * range, unit and secrecy come from its {@code spec} option in {@code config.proto}.
 */
public final class DeviceConfigs {
  /** Shown instead of a secret's value. */
  public static final String MASK = "\"***\"";

  /** The largest config file read: far above any real pole's (a few KiB), far below a heap's worth. */
  public static final int MAX_FILE_BYTES = 1 << 20;
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();

  private DeviceConfigs() {}

  /**
   * Parses the JSON form strictly (see {@link ConfigJson}): every unknown field, wrong type, bad
   * enum name, out-of-range number and repeated key at once, as problems with their paths;
   * malformed JSON as one problem with its line and column.
   *
   * @throws ConfigException with the problems in {@link ConfigException#problems()}
   */
  public static DeviceConfig parseJson(String json) throws ConfigException {
    return ConfigJson.parse(json);
  }

  /**
   * Reads and parses a config file. Every failure names the file and says what is wrong: missing,
   * a directory, unreadable, not UTF-8 text (a binary file), larger than {@value #MAX_FILE_BYTES}
   * bytes, or the problems of its content (each prefixed with the file name by the caller's
   * printing of {@link ConfigException#problems()}).
   */
  public static DeviceConfig readFile(Path file) throws ConfigException {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new ConfigException(file + ": is a directory, not a config file");
      }
      long size = Files.size(file);
      if (size > MAX_FILE_BYTES) {
        throw new ConfigException(file + ": " + size + " bytes is larger than a config may be (" + MAX_FILE_BYTES + " bytes)");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(file + ": permission denied (the config is read by the user mast runs as)");
    } catch (ConfigException e) {
      throw e;
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e, e);
    }
    String json;
    try {
      json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file + ": not UTF-8 text (a binary file?); a config is JSON text");
    }
    try {
      return parseJson(json);
    } catch (ConfigException e) {
      throw new ConfigException(file.toString(), e.problems(), e);
    }
  }

  /** The JSON form, secrets included: for writing the config file itself, never for display. */
  public static String toJson(DeviceConfig config) {
    try {
      return PRINTER.print(config) + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("config does not print as JSON", e);
    }
  }

  /** The JSON form with every non-empty secret replaced by "***": for showing to people. */
  public static String toMaskedJson(DeviceConfig config) {
    return toJson((DeviceConfig) mask(config));
  }

  /** Every problem of a config at once: errors, then warnings, each in the order of the config's sections. */
  public static List<Problem> validate(DeviceConfig config, Validation.Mode mode) {
    return new Validation(config, mode).run();
  }

  /** The config with every unset field that has a default set to it, as the runtime uses it. */
  public static DeviceConfig effective(DeviceConfig config) {
    return (DeviceConfig) withDefaults(config);
  }

  private static Message withDefaults(Message message) {
    Message.Builder b = message.toBuilder();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      FieldSpec spec = FieldSpecs.of(field);
      if (field.isRepeated()) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
            b.setRepeatedField(field, i, withDefaults((Message) message.getRepeatedField(field, i)));
          }
        }
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (message.hasField(field) || defaultsInside(field)) {
          b.setField(field, withDefaults((Message) message.getField(field)));
        }
      } else if (!spec.getDefault().isEmpty() && !isSet(message, field)) {
        b.setField(field, defaultValue(field, spec.getDefault()));
      }
    }
    return b.build();
  }

  /** Whether an absent message field should appear with defaults (store, console...). */
  private static boolean defaultsInside(FieldDescriptor field) {
    return field.getMessageType().getFields().stream().anyMatch(f -> !FieldSpecs.of(f).getDefault().isEmpty());
  }

  /** Set means present for fields with presence, non-zero and non-empty for plain proto3 scalars. */
  static boolean isSet(Message message, FieldDescriptor field) {
    if (field.isRepeated()) {
      return message.getRepeatedFieldCount(field) > 0;
    }
    if (field.hasPresence()) {
      return message.hasField(field);
    }
    Object v = message.getField(field);
    return !(v.equals(field.getDefaultValue()) || (v instanceof EnumValueDescriptor e && e.getNumber() == 0));
  }

  private static Object defaultValue(FieldDescriptor field, String text) {
    return switch (field.getJavaType()) {
      case INT -> Integer.parseInt(text);
      case LONG -> Long.parseLong(text);
      case BOOLEAN -> Boolean.parseBoolean(text);
      case STRING -> text.substring(1, text.length() - 1);
      default -> throw new IllegalStateException("no default of type " + field.getJavaType() + " for " + field.getFullName());
    };
  }

  private static Message mask(Message message) {
    Message.Builder b = message.toBuilder();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (field.isRepeated()) {
          for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
            b.setRepeatedField(field, i, mask((Message) message.getRepeatedField(field, i)));
          }
        } else if (message.hasField(field)) {
          b.setField(field, mask((Message) message.getField(field)));
        }
      } else if (FieldSpecs.of(field).getSecret() && isSet(message, field)) {
        b.setField(field, "***");
      }
    }
    return b.build();
  }

  /** A changed path between two configs, with the old and new values as JSON text. */
  public record Change(String path, String before, String after) {
    @Override
    public String toString() {
      return path + ": " + before + " -> " + after;
    }
  }

  /**
   * The paths whose effective values differ, so that the runtime restarts only what changed:
   * {@code uplink.keepalive_s}, {@code sensors[2].interval_s}, {@code sensors[5]} (added or
   * removed). Secrets are compared but shown masked.
   */
  public static List<Change> diff(DeviceConfig before, DeviceConfig after) {
    List<Change> out = new ArrayList<>();
    ConfigPaths.diff("", effective(before), effective(after), out);
    return out;
  }

  /** One line per field, depth first: path, type, unit, default, range, meaning. */
  public static List<String> schema() {
    List<String> out = new ArrayList<>();
    ConfigPaths.schema("", DeviceConfig.getDescriptor(), out);
    return out;
  }

  /** The value at a path such as {@code uplink.keepalive_s} or {@code sensors[1]}, as masked JSON. */
  public static String valueAt(DeviceConfig config, String path) throws ConfigException {
    return ConfigPaths.valueAt(mask(config), path);
  }

  /**
   * {@code config} with the value at {@code path} set: JSON text or a bare word (a string);
   * {@code null} removes it. Parsed again strictly; validation is the caller's.
   *
   * @throws ConfigException naming the path and what it holds instead
   */
  public static DeviceConfig withValue(DeviceConfig config, String path, String value) throws ConfigException {
    return ConfigPaths.set(config, path, value);
  }

  /** Every path of {@code config}, for completion: {@code uplink.keepalive_s}, {@code sensors[pms].interval_s}... */
  public static List<String> paths(DeviceConfig config) {
    List<String> out = new ArrayList<>();
    ConfigPaths.paths("", config, out);
    return out;
  }
}
