package io.mast.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.mast.config.model.FieldSpec;
import java.util.List;

/**
 * Walks config messages by JSON path ({@code sensors[2].interval_s}): differences, the schema
 * listing and single values. Paths use the .proto field names, as the JSON file does.
 */
final class ConfigPaths {
  private static final JsonFormat.Printer COMPACT = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private ConfigPaths() {}

  static String join(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  static void diff(String prefix, Message a, Message b, List<DeviceConfigs.Change> out) {
    for (FieldDescriptor field : a.getDescriptorForType().getFields()) {
      String path = join(prefix, field.getName());
      boolean secret = FieldSpecs.of(field).getSecret();
      if (field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        int n = Math.max(a.getRepeatedFieldCount(field), b.getRepeatedFieldCount(field));
        for (int i = 0; i < n; i++) {
          String at = path + "[" + i + "]";
          if (i >= a.getRepeatedFieldCount(field)) {
            out.add(new DeviceConfigs.Change(at, "(none)", json(b.getRepeatedField(field, i))));
          } else if (i >= b.getRepeatedFieldCount(field)) {
            out.add(new DeviceConfigs.Change(at, json(a.getRepeatedField(field, i)), "(none)"));
          } else {
            diff(at, (Message) a.getRepeatedField(field, i), (Message) b.getRepeatedField(field, i), out);
          }
        }
      } else if (!field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (a.hasField(field) != b.hasField(field)) {
          out.add(new DeviceConfigs.Change(path, a.hasField(field) ? json(a.getField(field)) : "(none)",
              b.hasField(field) ? json(b.getField(field)) : "(none)"));
        } else {
          diff(path, (Message) a.getField(field), (Message) b.getField(field), out);
        }
      } else if (!a.getField(field).equals(b.getField(field)) || field.hasPresence() && a.hasField(field) != b.hasField(field)) {
        out.add(new DeviceConfigs.Change(path, shown(a, field, secret), shown(b, field, secret)));
      }
    }
  }

  private static String shown(Message m, FieldDescriptor field, boolean secret) {
    if (!DeviceConfigs.isSet(m, field)) {
      return field.hasPresence() ? "(unset)" : json(m.getField(field));
    }
    return secret ? DeviceConfigs.MASK : json(m.getField(field));
  }

  /** JSON text of a value: a message, a list, a string, a number or an enum name. */
  static String json(Object value) {
    if (value instanceof Message m) {
      try {
        return COMPACT.print(m);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    if (value instanceof List<?> list) {
      return "[" + String.join(",", list.stream().map(ConfigPaths::json).toList()) + "]";
    }
    if (value instanceof String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    if (value instanceof EnumValueDescriptor e) {
      return "\"" + e.getName() + "\"";
    }
    if (value instanceof com.google.protobuf.ByteString bytes) {
      return "\"" + java.util.Base64.getEncoder().encodeToString(bytes.toByteArray()) + "\"";
    }
    return String.valueOf(value);
  }

  static void schema(String prefix, Descriptor type, List<String> out) {
    for (FieldDescriptor field : type.getFields()) {
      String path = join(prefix, field.getName()) + (field.isRepeated() ? "[]" : "");
      FieldSpec spec = FieldSpecs.of(field);
      StringBuilder line = new StringBuilder(path).append("  ").append(FieldSpecs.typeName(field));
      if (!spec.getUnit().isEmpty()) {
        line.append("  unit=").append(spec.getUnit());
      }
      if (!spec.getDefault().isEmpty()) {
        line.append("  default=").append(spec.getDefault());
      }
      String range = FieldSpecs.range(spec);
      if (!range.isEmpty()) {
        line.append("  range=").append(range);
      }
      if (spec.getRequired()) {
        line.append("  required");
      }
      if (spec.getSecret()) {
        line.append("  secret");
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
        line.append("  values=").append(String.join("|", FieldSpecs.enumNames(field)));
      }
      line.append("  -- ").append(spec.getDoc());
      out.add(line.toString());
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        schema(path, field.getMessageType(), out);
      }
    }
  }

  static String valueAt(Message root, String path) throws ConfigException {
    Object current = root;
    for (String part : path.split("\\.")) {
      String name = part;
      int index = -1;
      int bracket = part.indexOf('[');
      if (bracket >= 0 && part.endsWith("]")) {
        name = part.substring(0, bracket);
        try {
          index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
        } catch (NumberFormatException e) {
          throw new ConfigException("path " + path + ": '" + part + "' has no index number");
        }
      }
      if (!(current instanceof Message m)) {
        throw new ConfigException("path " + path + ": '" + part + "' is inside a value that has no fields");
      }
      FieldDescriptor field = m.getDescriptorForType().findFieldByName(name);
      if (field == null) {
        throw new ConfigException("path " + path + ": no field '" + name + "' in " + m.getDescriptorForType().getName());
      }
      if (index >= 0) {
        if (!field.isRepeated() || index >= m.getRepeatedFieldCount(field)) {
          throw new ConfigException("path " + path + ": " + name + " has no element " + index);
        }
        current = m.getRepeatedField(field, index);
      } else {
        current = m.getField(field);
      }
    }
    return json(current);
  }
}
