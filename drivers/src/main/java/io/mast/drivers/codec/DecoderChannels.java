package io.mast.drivers.codec;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The in-memory channel a frame decoder runs in. Its buffers come from the heap, unpooled: sensor
 * frames are tens of bytes a second, and Netty's default pooled allocator would set aside a
 * 4 MiB direct chunk the first time a frame arrives split over two reads (seen as a 4.6 MB jump
 * in the runtime's resident memory).
 */
public final class DecoderChannels {
  /** Heap buffers, no pool, no leak detection beyond Netty's default. */
  public static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false);

  private DecoderChannels() {}

  public static EmbeddedChannel of(ChannelHandler decoder) {
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    channel.config().setAllocator(HEAP);
    return channel;
  }
}
