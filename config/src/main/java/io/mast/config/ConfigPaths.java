package io.mast.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.FieldSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks config messages by JSON path ({@code sensors[2].interval_s}): differences, the schema
 * listing and single values. Paths use the .proto field names, as the JSON file does.
 */
final class ConfigPaths {
  /** JSON strings with every character that needs it escaped (newlines, control characters), and no HTML escaping. */
  private static final com.google.gson.Gson STRINGS = new com.google.gson.GsonBuilder().disableHtmlEscaping().create();
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
        Map<String, Message> before = keyed(a, field);
        Map<String, Message> after = keyed(b, field);
        for (Map.Entry<String, Message> e : before.entrySet()) {
          String at = path + "[" + e.getKey() + "]";
          Message other = after.get(e.getKey());
          if (other == null) {
            out.add(new DeviceConfigs.Change(at, json(e.getValue()), "(none)"));
          } else {
            diff(at, e.getValue(), other, out);
          }
        }
        for (Map.Entry<String, Message> e : after.entrySet()) {
          if (!before.containsKey(e.getKey())) {
            out.add(new DeviceConfigs.Change(path + "[" + e.getKey() + "]", "(none)", json(e.getValue())));
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

  /** The string fields that name an element of a list, in the order they are tried. */
  private static final List<String> KEYS = List.of("id", "key_id", "channel");

  /**
   * The elements of a repeated message field by their key: the first of {@link #KEYS} the type
   * has, with {@code #2}, {@code #3}... for later elements with the same key (two alarm rules on
   * one channel); the index when the type has no key or the key is empty. So {@code diff} pairs
   * the same sensor in both configs wherever it sits in the list.
   */
  static Map<String, Message> keyed(Message m, FieldDescriptor field) {
    FieldDescriptor keyField = keyField(field.getMessageType());
    Map<String, Message> out = new LinkedHashMap<>();
    for (int i = 0; i < m.getRepeatedFieldCount(field); i++) {
      Message element = (Message) m.getRepeatedField(field, i);
      String key = keyField == null ? "" : (String) element.getField(keyField);
      if (key.isEmpty()) {
        key = Integer.toString(i);
      }
      String unique = key;
      for (int k = 2; out.containsKey(unique); k++) {
        unique = key + "#" + k;
      }
      out.put(unique, element);
    }
    return out;
  }

  private static FieldDescriptor keyField(Descriptor type) {
    for (String name : KEYS) {
      FieldDescriptor f = type.findFieldByName(name);
      if (f != null && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
        return f;
      }
    }
    return null;
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
      return STRINGS.toJson(s);
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

  /** {@code alarms[air.pm25].above} as {@code alarms[air.pm25]}, {@code above}: dots inside brackets belong to the key. */
  static List<String> parts(String path) {
    List<String> out = new java.util.ArrayList<>();
    StringBuilder part = new StringBuilder();
    int depth = 0;
    for (char c : path.toCharArray()) {
      if (c == '.' && depth == 0) {
        out.add(part.toString());
        part.setLength(0);
        continue;
      }
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      part.append(c);
    }
    out.add(part.toString());
    return out;
  }

  /** One part of a path: a field name, and the key of a list entry ({@code sensors[pms]}) or null. */
  private record Step(String name, String key) {}

  private static Step step(String path, String part) throws ConfigException {
    int bracket = part.indexOf('[');
    if (bracket < 0 || !part.endsWith("]")) {
      return new Step(part, null);
    }
    String key = part.substring(bracket + 1, part.length() - 1);
    if (key.isEmpty()) {
      throw new ConfigException("path " + path + ": '" + part + "' names no entry: give an index or an id, e.g. sensors[0] or sensors[pms]");
    }
    return new Step(part.substring(0, bracket), key);
  }

  static String valueAt(Message root, String path) throws ConfigException {
    Object current = root;
    for (String part : parts(path)) {
      Step step = step(path, part);
      String name = step.name();
      String key = step.key();
      if (!(current instanceof Message m)) {
        throw new ConfigException("path " + path + ": '" + part + "' is inside a value that has no fields");
      }
      FieldDescriptor field = m.getDescriptorForType().findFieldByName(name);
      if (field == null) {
        throw new ConfigException("path " + path + ": no field '" + name + "' in " + m.getDescriptorForType().getName());
      }
      if (key != null) {
        if (!field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          throw new ConfigException("path " + path + ": " + name + " is not a list of entries");
        }
        Map<String, Message> byKey = keyed(m, field);
        Message element = byKey.get(key);
        if (element == null && key.matches("\\d{1,9}") && Integer.parseInt(key) < m.getRepeatedFieldCount(field)) {
          element = (Message) m.getRepeatedField(field, Integer.parseInt(key));
        }
        if (element == null) {
          throw new ConfigException("path " + path + ": " + name + " has no entry '" + key + "'; it has " + String.join(", ", byKey.keySet()));
        }
        current = element;
      } else {
        current = m.getField(field);
      }
    }
    return json(current);
  }

  /**
   * {@code root} with the value at {@code path} replaced by {@code value}: JSON text (a number,
   * {@code true}, {@code "text"}, an object for a whole entry) or a bare word taken as a string;
   * {@code null} removes the field or the list entry. A list entry is named by its key or index;
   * a new key adds an entry with that key. The result is parsed again strictly, so a value of the
   * wrong type is refused with its path.
   */
  static DeviceConfig set(DeviceConfig root, String path, String value) throws ConfigException {
    com.google.gson.JsonObject tree;
    try {
      tree = com.google.gson.JsonParser.parseString(JsonFormat.printer().preservingProtoFieldNames().print(root)).getAsJsonObject();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    com.google.gson.JsonElement parsed;
    try {
      parsed = com.google.gson.JsonParser.parseString(value);
      if (parsed.isJsonPrimitive() && parsed.getAsJsonPrimitive().isString() && !value.strip().startsWith("\"")) {
        parsed = new com.google.gson.JsonPrimitive(value); // a bare word: the text itself
      }
    } catch (com.google.gson.JsonParseException e) {
      parsed = new com.google.gson.JsonPrimitive(value);
    }
    List<String> parts = parts(path);
    Descriptor type = DeviceConfig.getDescriptor();
    com.google.gson.JsonObject at = tree;
    for (int i = 0; i < parts.size(); i++) {
      boolean last = i == parts.size() - 1;
      Step step = step(path, parts.get(i));
      String name = step.name();
      String key = step.key();
      FieldDescriptor field = type == null ? null : type.findFieldByName(name);
      if (field == null) {
        throw new ConfigException("path " + path + ": no field '" + name + "'" + (type == null ? "" : " in " + type.getName()
            + "; it has " + String.join(", ", type.getFields().stream().map(FieldDescriptor::getName).toList())));
      }
      if (key == null) {
        if (last) {
          if (parsed.isJsonNull()) {
            at.remove(name);
          } else {
            at.add(name, parsed);
          }
          break;
        }
        if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
          throw new ConfigException("path " + path + ": " + name + " has no fields inside" + (field.isRepeated() ? "; name an entry: " + name + "[ID]" : ""));
        }
        if (!at.has(name) || !at.get(name).isJsonObject()) {
          at.add(name, new com.google.gson.JsonObject());
        }
        at = at.getAsJsonObject(name);
        type = field.getMessageType();
        continue;
      }
      if (!field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        throw new ConfigException("path " + path + ": " + name + " is not a list of entries");
      }
      if (!at.has(name) || !at.get(name).isJsonArray()) {
        at.add(name, new com.google.gson.JsonArray());
      }
      com.google.gson.JsonArray list = at.getAsJsonArray(name);
      FieldDescriptor keyField = keyField(field.getMessageType());
      int found = -1;
      for (int k = 0; k < list.size() && found < 0; k++) {
        com.google.gson.JsonElement e = list.get(k);
        if (keyField != null && e.isJsonObject() && e.getAsJsonObject().has(keyField.getName())
            && e.getAsJsonObject().get(keyField.getName()).getAsString().equals(key)) {
          found = k;
        }
      }
      if (found < 0 && key.matches("\\d{1,9}") && Integer.parseInt(key) < list.size()) {
        found = Integer.parseInt(key);
      }
      if (last) {
        if (parsed.isJsonNull()) {
          if (found < 0) {
            throw new ConfigException("path " + path + ": " + name + " has no entry '" + key + "' to remove");
          }
          list.remove(found);
        } else if (!parsed.isJsonObject()) {
          throw new ConfigException("path " + path + ": a whole entry is a JSON object, e.g. {\"id\": \"" + key + "\", ...}; "
              + "or set one field: " + path + ".FIELD VALUE");
        } else if (found >= 0) {
          list.set(found, parsed);
        } else {
          list.add(parsed);
        }
        break;
      }
      if (found < 0) {
        if (keyField == null || key.isEmpty()) {
          throw new ConfigException("path " + path + ": " + name + " has no entry '" + key + "'");
        }
        com.google.gson.JsonObject fresh = new com.google.gson.JsonObject();
        fresh.addProperty(keyField.getName(), key);
        list.add(fresh);
        found = list.size() - 1;
      }
      at = list.get(found).getAsJsonObject();
      type = field.getMessageType();
    }
    return ConfigJson.parse(tree.toString());
  }

  /**
   * Every path of {@code root} a person may name: each field of each message (the fields of
   * entries under their keys, {@code sensors[pms].interval_s}), depth first. For completion.
   */
  static void paths(String prefix, Message root, List<String> out) {
    for (FieldDescriptor field : root.getDescriptorForType().getFields()) {
      String path = join(prefix, field.getName());
      if (field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        out.add(path);
        for (Map.Entry<String, Message> e : keyed(root, field).entrySet()) {
          String at = path + "[" + e.getKey() + "]";
          out.add(at);
          paths(at, e.getValue(), out);
        }
      } else if (!field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        paths(path, (Message) root.getField(field), out);
      } else {
        out.add(path);
      }
    }
  }
}
