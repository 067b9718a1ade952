package io.mast.protocol;

import java.util.List;

/**
 * A control message from the platform that a pole refuses: not signed by a trusted key, not for
 * this pole, outside its validity, or (from the agents) not applicable. Carries every reason, in
 * the order found, each a sentence that names the value; {@link #getMessage()} joins them.
 */
public final class ControlRefusedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> reasons;
  private final String signedBy;

  public ControlRefusedException(List<String> reasons) {
    this(reasons, null);
  }

  /** A refusal of a message whose signature verified under the trusted key {@code signedBy} (null: none did). */
  public ControlRefusedException(List<String> reasons, String signedBy) {
    super(String.join("; ", reasons));
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a refusal has at least one reason");
    }
    this.reasons = List.copyOf(reasons);
    this.signedBy = signedBy;
  }

  public ControlRefusedException(String reason) {
    this(List.of(reason));
  }

  public List<String> reasons() {
    return reasons;
  }

  /**
   * The trusted key whose signature verified before the message was refused (wrong type, target or
   * validity: a trusted signer's mistake, or a genuine message replayed), or null when no trusted
   * signature verified (garbage, a forgery, an unknown key): what a pole may answer differs.
   */
  public String signedBy() {
    return signedBy;
  }
}
