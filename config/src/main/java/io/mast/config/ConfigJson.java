package io.mast.config;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.mast.config.model.DeviceConfig;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the JSON form of a device config (the proto3 JSON mapping with the .proto field names)
 * strictly, and reports every problem at once as {@code path: value and what is allowed}, the
 * same form as {@link Validation}.
 *
 * <p>Strict means: one JSON object and nothing after it; no comments; each field at most once
 * (a repeated key is refused, not "last wins"); no raw control characters, and no control
 * characters in any string value (ids and paths end up in topics and file names). Field names
 * are the .proto names, or their lowerCamel JSON names as protobuf's own parser accepts. Enum
 * values are accepted in any case ({@code modbus_rtu} as {@code MODBUS_RTU}), as
 * {@code mast config schema} lists them. Numbers must be whole and inside their type's range;
 * 64-bit numbers may also be strings, as the proto3 mapping writes them.
 *
 * <p>Malformed JSON stops the reading at its first error, given with its line and column; a
 * well-formed file is read to its end and every problem is listed. Values echoed in messages are
 * cut at {@value #ECHO} characters.
 */
final class ConfigJson {
  /** The longest value echoed back in a problem. */
  static final int ECHO = 60;
  private static final Pattern WHERE = Pattern.compile("at line (\\d+) column (\\d+)");

  private final List<Problem> problems = new ArrayList<>();

  private ConfigJson() {}

  /**
   * The config in {@code json}.
   *
   * @throws ConfigException with every problem in {@link ConfigException#problems()}
   */
  static DeviceConfig parse(String json) throws ConfigException {
    ConfigJson reader = new ConfigJson();
    DeviceConfig.Builder b = DeviceConfig.newBuilder();
    try (JsonReader in = new JsonReader(new StringReader(json))) {
      in.setStrictness(Strictness.STRICT);
      if (in.peek() != JsonToken.BEGIN_OBJECT) {
        throw new ConfigException(List.of(Problem.error("", "the config is one JSON object {...}; found " + reader.describe(in))));
      }
      reader.message(in, b, "");
      if (in.peek() != JsonToken.END_DOCUMENT) { // strict reading throws first; this states the rule
        throw new MalformedJsonException("more data after the config's closing }");
      }
    } catch (MalformedJsonException | EOFException e) {
      throw new ConfigException(List.of(Problem.error("", syntax(e))), e);
    } catch (ConfigException e) {
      throw e;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new ConfigException(List.of(Problem.error("", "not readable as JSON: " + e.getMessage())), e);
    }
    if (!reader.problems.isEmpty()) {
      throw new ConfigException(reader.problems);
    }
    return b.build();
  }

  /** A syntax error as {@code line L column C: what}, without the parser's advice on leniency. */
  private static String syntax(IOException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    int advice = message.indexOf("\nSee ");
    message = advice >= 0 ? message.substring(0, advice) : message;
    message = message.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "not strict JSON");
    if (e instanceof EOFException) {
      return "the JSON ends too early (" + message + ")";
    }
    Matcher m = WHERE.matcher(message);
    if (m.find()) {
      String what = message.substring(0, m.start()).strip();
      return "line " + m.group(1) + " column " + m.group(2) + ": " + (what.isEmpty() ? "malformed JSON" : what)
          + " (comments, trailing commas, single quotes, raw control characters and data after the object are not allowed)";
    }
    return message;
  }

  private void problem(String path, String message) {
    problems.add(Problem.error(path, message));
  }

  private void message(JsonReader in, Message.Builder b, String path) throws IOException {
    Descriptor type = b.getDescriptorForType();
    Set<String> seen = new HashSet<>();
    in.beginObject();
    while (in.hasNext()) {
      String name = in.nextName();
      String at = ConfigPaths.join(path, name);
      FieldDescriptor field = type.findFieldByName(name);
      if (field == null) {
        field = type.getFields().stream().filter(f -> f.getJsonName().equals(name)).findFirst().orElse(null);
      }
      if (field == null) {
        problem(at, "no such field in " + where(path) + suggestion(type, name));
        in.skipValue();
      } else if (!seen.add(field.getName())) {
        problem(at, "given twice; each field may appear once");
        in.skipValue();
      } else {
        field(in, b, field, at);
      }
    }
    in.endObject();
  }

  private static String where(String path) {
    return path.isEmpty() ? "the config" : path;
  }

  /**
   * "; did you mean 'interval_s'?" for a name one or two edits from a field's, or sharing its first
   * five letters or more ({@code brokers} for {@code broker_uris}); else "; the fields are ...".
   */
  private static String suggestion(Descriptor type, String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = 3;
    for (FieldDescriptor f : type.getFields()) {
      int d = distance(lower, f.getName());
      if (d < bestDistance) {
        best = f.getName();
        bestDistance = d;
      }
    }
    if (best == null) {
      int longest = 4;
      for (FieldDescriptor f : type.getFields()) {
        int common = 0;
        while (common < Math.min(lower.length(), f.getName().length()) && lower.charAt(common) == f.getName().charAt(common)) {
          common++;
        }
        if (common > longest) {
          best = f.getName();
          longest = common;
        }
      }
    }
    if (best != null) {
      return "; did you mean '" + best + "'?";
    }
    return "; the fields are " + String.join(", ", type.getFields().stream().map(FieldDescriptor::getName).toList());
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] t = previous;
      previous = current;
      current = t;
    }
    return previous[b.length()];
  }

  private void field(JsonReader in, Message.Builder b, FieldDescriptor field, String at) throws IOException {
    if (in.peek() == JsonToken.NULL) {
      in.nextNull(); // proto3 JSON: null leaves the field unset
      return;
    }
    if (field.isRepeated()) {
      if (in.peek() != JsonToken.BEGIN_ARRAY) {
        problem(at, "expected a list [...], found " + describe(in));
        in.skipValue();
        return;
      }
      in.beginArray();
      for (int i = 0; in.hasNext(); i++) {
        Object v = value(in, b, field, at + "[" + i + "]");
        if (v != null) {
          b.addRepeatedField(field, v);
        }
      }
      in.endArray();
      return;
    }
    Object v = value(in, b, field, at);
    if (v != null) {
      b.setField(field, v);
    }
  }

  /** One value of {@code field}, or null after recording why it cannot be used. */
  private Object value(JsonReader in, Message.Builder parent, FieldDescriptor field, String at) throws IOException {
    JsonToken token = in.peek();
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (token != JsonToken.BEGIN_OBJECT) {
        problem(at, "expected an object {...}, found " + describe(in));
        in.skipValue();
        return null;
      }
      Message.Builder child = parent.newBuilderForField(field);
      message(in, child, at);
      return child.build();
    }
    if (token == JsonToken.BEGIN_OBJECT || token == JsonToken.BEGIN_ARRAY || token == JsonToken.NULL) {
      problem(at, "expected " + expected(field) + ", found " + describe(in));
      in.skipValue();
      return null;
    }
    String text = token == JsonToken.BOOLEAN ? Boolean.toString(in.nextBoolean()) : in.nextString();
    return switch (field.getJavaType()) {
      case BOOLEAN -> token == JsonToken.BOOLEAN ? Boolean.valueOf(text) : wrong(at, field, token, text);
      case STRING -> token == JsonToken.STRING ? string(at, text) : wrong(at, field, token, text);
      case ENUM -> token == JsonToken.STRING ? enumValue(at, field, text) : wrong(at, field, token, text);
      case BYTE_STRING -> token == JsonToken.STRING ? bytes(at, text) : wrong(at, field, token, text);
      case INT, LONG -> token == JsonToken.NUMBER || token == JsonToken.STRING && is64(field)
          ? whole(at, field, token, text) : wrong(at, field, token, text);
      default -> {
        problem(at, "fields of type " + field.getJavaType() + " are not read from JSON");
        yield null;
      }
    };
  }

  private Object wrong(String at, FieldDescriptor field, JsonToken token, String text) {
    problem(at, shown(token, text) + " is not " + expected(field));
    return null;
  }

  private Object string(String at, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        problem(at, quote(text) + " holds a control character (U+" + String.format("%04X", (int) c) + ") at position " + i
            + "; text values may not");
        return null;
      }
    }
    return text;
  }

  private Object enumValue(String at, FieldDescriptor field, String text) {
    for (EnumValueDescriptor v : field.getEnumType().getValues()) {
      if (v.getNumber() != 0 && v.getName().equalsIgnoreCase(text.strip())) {
        return v;
      }
    }
    problem(at, quote(text) + " is not one of " + String.join(", ", FieldSpecs.enumNames(field)) + " (in any case)");
    return null;
  }

  private Object bytes(String at, String text) {
    try {
      return ByteString.copyFrom(Base64.getDecoder().decode(text.strip()));
    } catch (IllegalArgumentException e) {
      problem(at, quote(text) + " is not base64");
      return null;
    }
  }

  /** Digits of the largest whole number a field takes (2^64 - 1 has 20). */
  private static final int MAX_WHOLE_DIGITS = 20;

  private Object whole(String at, FieldDescriptor field, JsonToken token, String text) {
    BigInteger value;
    BigInteger[] range = range(field);
    try {
      // the digits are looked at before the number is made: 1e100000010 is a few bytes of text
      // and ten minutes of arithmetic, were it turned into an integer first
      BigDecimal d = new BigDecimal(text.strip()).stripTrailingZeros();
      if (d.scale() > 0) {
        throw new ArithmeticException("a fraction");
      }
      if ((long) d.precision() - d.scale() > MAX_WHOLE_DIGITS) {
        problem(at, cut(text) + " is outside " + range[0] + ".." + range[1] + " (" + FieldSpecs.typeName(field) + ")");
        return null;
      }
      value = d.toBigIntegerExact();
    } catch (NumberFormatException | ArithmeticException e) {
      problem(at, shown(token, text) + " is not a whole number");
      return null;
    }
    if (value.compareTo(range[0]) < 0 || value.compareTo(range[1]) > 0) {
      problem(at, cut(text) + " is outside " + range[0] + ".." + range[1] + " (" + FieldSpecs.typeName(field) + ")");
      return null;
    }
    return field.getJavaType() == FieldDescriptor.JavaType.INT ? (Object) value.intValue() : (Object) value.longValue();
  }

  private static boolean is64(FieldDescriptor field) {
    return field.getJavaType() == FieldDescriptor.JavaType.LONG;
  }

  private static BigInteger[] range(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, FIXED32 -> new BigInteger[] {BigInteger.ZERO, BigInteger.valueOf(0xFFFF_FFFFL)};
      case UINT64, FIXED64 -> new BigInteger[] {BigInteger.ZERO, BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)};
      case INT64, SINT64, SFIXED64 -> new BigInteger[] {BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)};
      default -> new BigInteger[] {BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(Integer.MAX_VALUE)};
    };
  }

  private static String expected(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case BOOLEAN -> "true or false";
      case STRING -> "a text in quotes";
      case ENUM -> "one of " + String.join(", ", FieldSpecs.enumNames(field));
      case BYTE_STRING -> "base64 text in quotes";
      case INT, LONG -> "a whole number";
      default -> "a " + field.getJavaType().name().toLowerCase(Locale.ROOT);
    };
  }

  /** What the next value is, for a message; consumes nothing. */
  private String describe(JsonReader in) throws IOException {
    return switch (in.peek()) {
      case BEGIN_OBJECT -> "an object";
      case BEGIN_ARRAY -> "a list";
      case STRING -> "a text";
      case NUMBER -> "a number";
      case BOOLEAN -> "true or false";
      case NULL -> "null";
      default -> "the end of the data";
    };
  }

  private static String shown(JsonToken token, String text) {
    return token == JsonToken.STRING ? quote(text) : cut(text);
  }

  /** {@code text} in double quotes, cut to {@link #ECHO} characters, control characters escaped. */
  static String quote(String text) {
    return quote(text, '"');
  }

  /** {@code text} between {@code mark}s, cut to {@link #ECHO} characters, control characters escaped. */
  static String quote(String text, char mark) {
    return mark + shown(text) + mark;
  }

  /** {@code text} cut to {@link #ECHO} characters, control characters escaped: safe to echo to a terminal or a log. */
  static String shown(String text) {
    return escaped(cut(text));
  }

  /** {@code text} with control characters escaped as {@code \\uXXXX}. */
  static String escaped(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }

  /** At most {@link #ECHO} characters of {@code text}, with its length when longer. */
  static String cut(String text) {
    return text.length() <= ECHO ? text : text.substring(0, ECHO) + "... (" + text.length() + " characters)";
  }
}
