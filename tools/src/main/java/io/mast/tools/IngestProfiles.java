package io.mast.tools;

import io.mast.protocol.ChannelProfile;
import io.mast.protocol.DecodedFrame;
import io.mast.protocol.FrameDecoder;
import io.mast.protocol.FrameFormatException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The profiles {@link PlatformIngest} decodes with: those this instance has seen, and any other
 * instance stored in the {@code profiles} table, looked up when a frame names one not seen here.
 * Used by the ingest's writer thread only.
 */
final class IngestProfiles {
  private final Map<String, ChannelProfile> profiles = new HashMap<>();
  /** Counts a stored profile that does not parse. */
  private final Runnable bad;

  IngestProfiles(Runnable bad) {
    this.bad = bad;
  }

  /** A profile that arrived (it is stored by the batch that took it). */
  void seen(String device, ChannelProfile profile) {
    profiles.put(key(device, profile.id()), profile);
  }

  /** A frame decoded, with the profile it was decoded against. */
  record Decoded(ChannelProfile profile, DecodedFrame frame) {}

  /**
   * A telemetry frame of {@code device} decoded against the profile it names, or null while that
   * profile is known neither here nor in the database.
   *
   * @throws FrameFormatException if the frame does not decode (corrupt, malformed)
   */
  Decoded frame(Connection c, String device, byte[] payload) throws SQLException, FrameFormatException {
    ChannelProfile p = of(c, device, FrameDecoder.profileIdOf(payload));
    return p == null ? null : new Decoded(p, new FrameDecoder(p).decode(payload));
  }

  /**
   * An alarm of {@code device}, decoded against the first of its known profiles it fits (the
   * profile id is inside the alarm's frame), or null when none does.
   */
  Decoded alarm(Connection c, String device, byte[] payload) throws SQLException {
    for (ChannelProfile p : knownProfiles(c, device)) {
      try {
        return new Decoded(p, new FrameDecoder(p).decodeAlarm(payload));
      } catch (FrameFormatException another) {
        // another profile's
      }
    }
    return null;
  }

  private List<ChannelProfile> knownProfiles(Connection c, String device) throws SQLException {
    List<ChannelProfile> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM profiles WHERE device = ?")) {
      s.setString(1, device);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          try {
            out.add(ChannelProfile.parse(r.getBytes(1)));
          } catch (FrameFormatException e) {
            bad.run();
          }
        }
      }
    }
    profiles.entrySet().stream().filter(e -> e.getKey().startsWith(device + "/")).forEach(e -> {
      if (out.stream().noneMatch(p -> p.id() == e.getValue().id())) {
        out.add(e.getValue());
      }
    });
    return out;
  }

  /** The profile {@code id} of {@code device}: seen by this instance, or stored by any. */
  private ChannelProfile of(Connection c, String device, int id) throws SQLException {
    ChannelProfile p = profiles.get(key(device, id));
    if (p != null) {
      return p;
    }
    try (PreparedStatement s = c.prepareStatement("SELECT body FROM profiles WHERE device = ? AND profile_id = ?")) {
      s.setString(1, device);
      s.setLong(2, id);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          p = ChannelProfile.parse(r.getBytes(1));
          profiles.put(key(device, id), p);
          return p;
        }
      } catch (FrameFormatException e) {
        bad.run();
      }
    }
    return null;
  }

  private static String key(String device, int profileId) {
    return device + "/" + profileId;
  }

}
