package io.mast.drivers.internal;

import io.mast.drivers.ChannelSpec;
import io.mast.drivers.ChannelStatus;
import io.mast.drivers.ChannelValue;
import io.mast.drivers.Sample;
import io.mast.drivers.SerialLink;
import io.mast.drivers.codec.DecoderChannels;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * One request, one framed answer over a {@link SerialLink}: writes the request, feeds whatever
 * arrives to a Netty decoder until it yields a frame of the wanted type or the timeout passes.
 * When no frame comes, the decoder's counters say why: a checksum failure seen during the exchange
 * is {@link ChannelStatus#CRC_ERROR}, other discarded bytes {@link ChannelStatus#BAD_FRAME}, and
 * silence {@link ChannelStatus#TIMEOUT}. Frames of other types are dropped. Not thread safe.
 */
final class FramedExchange<T> {
  private final EmbeddedChannel channel;
  private final Class<T> type;
  private final LongSupplier checksumErrors;
  private final LongSupplier discardedBytes;
  private final byte[] buffer = new byte[256];

  FramedExchange(ByteToMessageDecoder decoder, Class<T> type, LongSupplier checksumErrors, LongSupplier discardedBytes) {
    this.channel = DecoderChannels.of(decoder);
    this.type = type;
    this.checksumErrors = checksumErrors;
    this.discardedBytes = discardedBytes;
  }

  /** The outcome of one exchange: a frame, or the status and detail of its absence. */
  record Answer<T>(T frame, ChannelStatus failure, String detail) {

    static <T> Answer<T> of(T frame) {
      return new Answer<>(frame, ChannelStatus.OK, "");
    }

    static <T> Answer<T> failed(ChannelStatus failure, String detail) {
      return new Answer<>(null, failure, detail);
    }

    /** The channel's value read from the frame, or the channel failed as the exchange did. */
    ChannelValue value(ChannelSpec spec, BiFunction<T, ChannelSpec, ChannelValue> read) {
      return frame == null ? spec.failed(failure, detail) : read.apply(frame, spec);
    }

    /** Each channel's value read from the frame, or every channel failed as the exchange did. */
    Sample toSample(List<ChannelSpec> channels, BiFunction<T, ChannelSpec, ChannelValue> read) {
      List<ChannelValue> values = new ArrayList<>();
      for (ChannelSpec spec : channels) {
        values.add(value(spec, read));
      }
      return new Sample(values);
    }
  }

  Answer<T> ask(SerialLink link, byte[] request, long timeoutMillis) throws IOException {
    return ask(link, request, timeoutMillis, frame -> true);
  }

  /**
   * As {@link #ask(SerialLink, byte[], long)}, skipping frames {@code wanted} refuses (the echo
   * of the request on a half-duplex RS-485 adapter, for one).
   */
  Answer<T> ask(SerialLink link, byte[] request, long timeoutMillis, java.util.function.Predicate<T> wanted) throws IOException {
    long crcBefore = checksumErrors.getAsLong();
    long discardedBefore = discardedBytes.getAsLong();
    link.discardInput();
    link.write(request);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    long received = 0;
    while (true) {
      T frame = next(wanted);
      if (frame != null) {
        return Answer.of(frame);
      }
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        break;
      }
      int n = link.read(buffer, 0, buffer.length, left);
      if (n > 0) {
        received += n;
        channel.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
      }
    }
    long crc = checksumErrors.getAsLong() - crcBefore;
    long discarded = discardedBytes.getAsLong() - discardedBefore;
    if (crc > 0) {
      return Answer.failed(ChannelStatus.CRC_ERROR, crc + " frame(s) with a bad checksum in " + timeoutMillis + " ms");
    }
    if (discarded > 0 || received > 0) {
      return Answer.failed(ChannelStatus.BAD_FRAME,
          received + " byte(s) in " + timeoutMillis + " ms, " + discarded + " discarded, no complete frame");
    }
    return Answer.failed(ChannelStatus.TIMEOUT, "no answer in " + timeoutMillis + " ms");
  }

  private T next(java.util.function.Predicate<T> wanted) {
    Object message;
    while ((message = channel.readInbound()) != null) {
      if (type.isInstance(message) && wanted.test(type.cast(message))) {
        return type.cast(message);
      }
    }
    return null;
  }
}
