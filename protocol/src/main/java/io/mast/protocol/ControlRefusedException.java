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

  public ControlRefusedException(List<String> reasons) {
    super(String.join("; ", reasons));
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a refusal has at least one reason");
    }
    this.reasons = List.copyOf(reasons);
  }

  public ControlRefusedException(String reason) {
    this(List.of(reason));
  }

  public List<String> reasons() {
    return reasons;
  }
}
