package io.mast.protocol;

/**
 * One encoded frame, ready to publish: its sequence number, how many readings it carries, the
 * time span they cover and the serialised {@code mast.v1.Frame} bytes. The byte array is owned by
 * this record; callers must not change it.
 */
public record EncodedFrame(long seq, int readings, long firstTime, long lastTime, byte[] bytes) {}
