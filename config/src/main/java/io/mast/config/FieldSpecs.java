package io.mast.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.mast.config.model.Config;
import io.mast.config.model.FieldSpec;

/** Reads the {@code spec} option of config fields: meaning, unit, default, range, secrecy. */
final class FieldSpecs {
  private FieldSpecs() {}

  static FieldSpec of(FieldDescriptor field) {
    return field.getOptions().getExtension(Config.spec);
  }

  /** The field's type as people read it: uint32, string, Sensor[], ... */
  static String typeName(FieldDescriptor field) {
    String base = switch (field.getJavaType()) {
      case MESSAGE -> field.getMessageType().getName();
      case ENUM -> "enum " + field.getEnumType().getName();
      default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
    };
    return field.isRepeated() ? base + "[]" : base;
  }

  /** The names of an enum field's values, lower case, without the unspecified zero value. */
  static java.util.List<String> enumNames(FieldDescriptor field) {
    return field.getEnumType().getValues().stream().filter(v -> v.getNumber() != 0)
        .map(v -> v.getName().toLowerCase(java.util.Locale.ROOT)).toList();
  }

  /** The allowed range as text, e.g. "10..65535", or "" when unbounded. */
  static String range(FieldSpec spec) {
    if (spec.hasMin() && spec.hasMax()) {
      return spec.getMin() + ".." + spec.getMax();
    }
    if (spec.hasMin()) {
      return ">= " + spec.getMin();
    }
    return spec.hasMax() ? "<= " + spec.getMax() : "";
  }
}
