package io.mast.drivers.internal;

import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.codec.MeterFrameException;
import io.mast.drivers.codec.MeterRejection;
import io.mast.drivers.codec.MeterUnit;
import java.math.BigDecimal;

/** What the two meter drivers share: a refused answer as a channel status, a meter value in the channel's unit. */
final class MeterAnswers {
  private MeterAnswers() {}

  /** A meter's exception answer is the device's own error; every other refusal is a bad frame. */
  static ChannelStatus status(MeterFrameException e) {
    return e.reason() == MeterRejection.METER_ERROR ? ChannelStatus.DEVICE_ERROR : ChannelStatus.BAD_FRAME;
  }

  static String detail(MeterFrameException e) {
    return e.reason().name() + ": " + e.getMessage();
  }

  /** Reads what a meter's frame carries, or refuses it with a named reason. */
  interface Parse<F, T> {
    T parse(F frame) throws MeterFrameException;
  }

  /**
   * What an exchange with a meter gave: the parsed frame, or why there is none (no frame: its
   * status with {@code where} before the detail; a refused frame: {@link #status} and its reason).
   */
  static <F, T> FramedExchange.Answer<T> parsed(FramedExchange.Answer<F> answer, String where, Parse<F, T> parse) {
    if (answer.frame() == null) {
      return FramedExchange.Answer.failed(answer.failure(), where + answer.detail());
    }
    try {
      return FramedExchange.Answer.of(parse.parse(answer.frame()));
    } catch (MeterFrameException e) {
      return FramedExchange.Answer.failed(status(e), detail(e));
    }
  }

  /**
   * {@code amount} in {@code from} as channel {@code spec}'s value in {@code channelUnit} (the
   * config's unit, or {@code from} itself when the config gives none).
   */
  static ChannelValue value(ChannelSpec spec, BigDecimal amount, MeterUnit from, MeterUnit channelUnit) {
    MeterUnit to = channelUnit == null ? from : channelUnit;
    if (to.dimension() != from.dimension()) {
      return spec.failed(ChannelStatus.NO_VALUE, "the meter reports " + amount.toPlainString() + " " + from.symbol()
          + ", which is not a quantity in " + to.symbol() + "; fix the channel's unit");
    }
    return spec.value(from.convert(amount, to));
  }
}
