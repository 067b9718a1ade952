package io.mast.drivers.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DecoderChannelsTest {
  @Test
  void aFrameSplitOverTwoReadsIsJoinedInUnpooledHeapBuffersNotInNettysDirectPool() {
    long pooledBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    EmbeddedChannel ch = DecoderChannels.of(new Pms5003Decoder());
    byte[] frame = Pms5003DecoderTest.FRAME;
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(frame, 0, 11)));
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(frame, 11, frame.length)));
    assertEquals(Pms5003DecoderTest.DECODED, ch.readInbound());
    assertNull(ch.readInbound());
    assertSame(DecoderChannels.HEAP, ch.alloc());
    ByteBuf cumulation = ch.alloc().buffer(16);
    assertFalse(cumulation.isDirect(), "heap buffers");
    cumulation.release();
    assertEquals(pooledBefore, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), "the pooled direct allocator took no chunk");
    ch.finishAndReleaseAll();
  }
}
