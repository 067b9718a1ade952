package io.mast.runtime.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.mast.config.DeviceConfigs;
import io.mast.config.Problem;
import io.mast.config.Validation;
import io.mast.config.model.DeviceConfig;
import io.mast.config.model.Identity;
import io.mast.protocol.ConfigSetMessage;
import io.mast.protocol.ControlRefusedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a verified config push into the config a pole would run, or every reason it cannot.
 * Stateless.
 *
 * <ul>
 *   <li>The {@code DeviceConfig} bytes must parse, with no field this version of Mast does not
 *       know (a newer schema's field would be dropped without a word).
 *   <li>Its {@code version} is the push's (a config that names another one is refused).
 *   <li>A push to a group or the fleet carries no identity: the pole keeps its own (device id,
 *       site, position, groups). A push to the device may change all but the device id.
 *   <li>It keeps at least one trusted key: a pole that trusts none could never take another push.
 *   <li>Then every validation error at once, as on the board ({@code config check} on the pole).
 * </ul>
 */
final class ConfigCandidate {
  private ConfigCandidate() {}

  static DeviceConfig of(ConfigSetMessage set, boolean toDevice, DeviceConfig current) throws ControlRefusedException {
    DeviceConfig pushed;
    try {
      pushed = DeviceConfig.parseFrom(set.config());
    } catch (InvalidProtocolBufferException e) {
      throw new ControlRefusedException("config: the DeviceConfig bytes do not parse: " + e.getMessage());
    }
    List<String> reasons = new ArrayList<>();
    unknownFields("config", pushed, reasons);
    DeviceConfig.Builder b = pushed.toBuilder();
    String version = Long.toUnsignedString(set.version());
    if (pushed.getVersion() == 0) {
      b.setVersion(set.version());
    } else if (pushed.getVersion() != set.version()) {
      reasons.add("version: the config says " + Long.toUnsignedString(pushed.getVersion()) + " but the push is version " + version);
    }
    if (!toDevice) {
      if (pushed.hasIdentity() && !pushed.getIdentity().equals(Identity.getDefaultInstance())) {
        reasons.add("identity: a push to a group or the fleet leaves identity out; each pole keeps its own");
      }
      b.setIdentity(current.getIdentity());
    }
    if (pushed.getTrust().getKeysCount() == 0) {
      reasons.add("trust.keys: a config from the platform keeps at least one trusted key, or the pole could never take another");
    }
    DeviceConfig next = b.build();
    for (Problem p : DeviceConfigs.validate(next, Validation.Mode.DEVICE)) {
      if (p.isError()) {
        reasons.add(p.toString());
      }
    }
    if (!reasons.isEmpty()) {
      throw new ControlRefusedException(reasons);
    }
    return next;
  }

  private static void unknownFields(String path, Message m, List<String> reasons) {
    if (!m.getUnknownFields().asMap().isEmpty()) {
      reasons.add(path + ": field number " + m.getUnknownFields().asMap().keySet() + " unknown to this version of Mast");
    }
    for (Map.Entry<com.google.protobuf.Descriptors.FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() != com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (e.getKey().isRepeated()) {
        List<?> list = (List<?>) e.getValue();
        for (int i = 0; i < list.size(); i++) {
          unknownFields(path + "." + e.getKey().getName() + "[" + i + "]", (Message) list.get(i), reasons);
        }
      } else {
        unknownFields(path + "." + e.getKey().getName(), (Message) e.getValue(), reasons);
      }
    }
  }

  /** Whether a push is the config in force (a retained push seen again at a connect). */
  static boolean inForce(ConfigSetMessage set, boolean toDevice, DeviceConfig current) {
    try {
      return io.mast.config.DeviceConfigs.effective(of(set, toDevice, current)).equals(current);
    } catch (ControlRefusedException e) {
      return false;
    }
  }
}
