package io.mast.protocol;

/**
 * Sizes the platform's messages to a pole must keep to. The uplink refuses anything larger from
 * the broker at the socket, before the MQTT client allocates it, and takes the connection as
 * lost: a 32 MB heap must not be asked for a 268 MB packet.
 */
public final class ControlLimits {
  /**
   * The largest payload of a message from the platform: a signed config set, an OTA offer (its
   * manifest carries a SHA-256 per chunk: 4,096 chunks fit), one OTA chunk, a console command.
   */
  public static final int MAX_CONTROL_MESSAGE_BYTES = 256 * 1024;

  /** The longest topic of a message to a pole: a prefix, a device id of at most 64 and a kind. */
  public static final int MAX_TOPIC_BYTES = 512;

  private ControlLimits() {}
}
