package io.mast.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.mast.protocol.internal.pb.Alarm;
import io.mast.protocol.internal.pb.ChannelHealth;
import io.mast.protocol.internal.pb.ConfigAck;
import io.mast.protocol.internal.pb.ConfigSet;
import io.mast.protocol.internal.pb.ConsoleCommand;
import io.mast.protocol.internal.pb.ConsoleReply;
import io.mast.protocol.internal.pb.Frame;
import io.mast.protocol.internal.pb.Health;
import io.mast.protocol.internal.pb.OtaChunkData;
import io.mast.protocol.internal.pb.OtaChunkRequest;
import io.mast.protocol.internal.pb.OtaManifest;
import io.mast.protocol.internal.pb.OtaStatus;
import io.mast.protocol.internal.pb.PayloadType;
import io.mast.protocol.internal.pb.Profile;
import io.mast.protocol.internal.pb.SignedBody;
import io.mast.protocol.internal.pb.SignedEnvelope;
import io.mast.protocol.internal.pb.Status;
import io.mast.protocol.internal.pb.TrustUpdate;
import io.mast.protocol.internal.pb.TrustedKey;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped .proto files are the contract: the real protoc must read every message Mast sends
 * or receives, field for field: protoc's text output, parsed back by protobuf-java, must give the
 * same message.
 */
class ProtocInteropTest {
  private static final File PROTO_DIR = new File("src/main/proto");

  private static String protoc(String type, byte[] bytes) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("protoc", "--decode=mast.v1." + type, "-I", PROTO_DIR.getPath(),
          "mast/telemetry.proto", "mast/control.proto").redirectErrorStream(true).start();
    } catch (IOException e) {
      fail("protoc is not installed: run ./run-tests (it installs Debian's protobuf-compiler) or apt-get install protobuf-compiler");
      throw e;
    }
    try (OutputStream in = p.getOutputStream()) {
      in.write(bytes);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail("protoc --decode=mast.v1." + type + " failed: " + out.toString(StandardCharsets.UTF_8));
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * protoc decodes the bytes to text; that text, parsed back, must be the very same message. A
   * field protoc did not know would print as a bare number, which does not parse back.
   */
  private static void assertProtocReads(Message message) throws Exception {
    String type = message.getDescriptorForType().getName();
    String text = protoc(type, message.toByteArray());
    Message.Builder back = message.newBuilderForType();
    TextFormat.merge(text, back);
    assertEquals(message, back.build(), type + " as protoc printed it:\n" + text);
  }

  @Test
  void protocReadsEveryTelemetryMessageFieldForField() throws Exception {
    ChannelProfile profile = ChannelProfile.of(List.of(
        new Channel(0, "air.pm25", "ug/m3", 0, 10, Channel.Kind.GAUGE, "PMS5003 PM2.5"),
        new Channel(1, "water.volume", "L", 0, 10, Channel.Kind.COUNTER, "pulse meter")));
    FrameEncoder encoder = FrameEncoder.builder(profile).build();
    List<Reading> readings = List.of(new Reading(0, 1_767_225_600L, 12), new Reading(1, 1_767_225_600L, 183_442),
        new Reading(0, 1_767_225_610L, 13), new Reading(1, 1_767_225_610L, 183_443));
    byte[] frame = encoder.encode(readings, 17).get(0).bytes();

    assertProtocReads(Profile.parseFrom(profile.toBytes()));
    assertProtocReads(Frame.parseFrom(frame));
    assertProtocReads(Alarm.parseFrom(encoder.encodeAlarm(new Reading(0, 1_767_225_620L, 180), 18, 2, true, 150)));
    assertProtocReads(Health.newBuilder().setTime(1_767_225_700L).setUptimeS(86_400).setRuntimeVersion("0.1.0")
        .setConfigVersion(12).setStoreCapacityBytes(64L << 20).setStoreUsedBytes(1_234_567).setStoreUnsentRecords(40)
        .setStoreOldestUnsentAgeS(300).setFlashBytesWrittenToday(2_000_000).setUplinkBytesToday(51_200)
        .setUplinkBudgetBytes(1_000_000).setReconnects(3).setRsrpDbm(-104).setRsrqDb(-11).setSinrDb(4).setCellId(0x1A2B3C)
        .addChannels(ChannelHealth.newBuilder().setChannel(0).setSamples(8640).setErrors(2))
        .setDroppedInputs(5).build());
    assertProtocReads(Status.newBuilder().setState(Status.State.OFFLINE).setRuntimeVersion("0.1.0")
        .setBootTime(1_767_225_000L).setProfileId(profile.id()).setConfigVersion(12).build());
  }

  @Test
  void protocReadsEveryControlMessageFieldForField() throws Exception {
    ByteString sha = ByteString.copyFrom(new byte[32]);
    ConfigSet set = ConfigSet.newBuilder().setVersion(13).setConfig(ByteString.copyFrom(new byte[] {8, 13})).setGraceS(600).build();
    SignedBody body = SignedBody.newBuilder().setType(PayloadType.CONFIG_SET).setDevice("pole-17")
        .setIssuedAt(1_767_225_000L).setExpiresAt(1_767_311_400L).setPayload(set.toByteString()).build();
    assertProtocReads(SignedEnvelope.newBuilder().setBody(body.toByteString()).setKeyId("platform-2026")
        .setSignature(ByteString.copyFrom(new byte[64])).build());
    assertProtocReads(body);
    assertProtocReads(set);
    assertProtocReads(ConfigAck.newBuilder().setVersion(13).setResult(ConfigAck.Result.REJECTED)
        .addErrors("sensors[3].interval_s: 0 is below the minimum 1").setActiveVersion(12).setOrigin("platform").build());
    assertProtocReads(OtaManifest.newBuilder().setVersion("1.4.2").setSecurityCounter(7).setTarget("rpi4-arm64")
        .setExpiresAt(1_767_311_400L).setTotalSize(48_000_000).setSha256(sha).setChunkSize(16_384)
        .addChunkSha256(sha).addChunkSha256(sha).build());
    assertProtocReads(OtaChunkRequest.newBuilder().setBundleSha256(sha).addChunks(4).addChunks(9).build());
    assertProtocReads(OtaChunkData.newBuilder().setBundleSha256(sha).setIndex(4).setData(ByteString.copyFrom(new byte[] {1, 2, (byte) 0xFF})).build());
    assertProtocReads(OtaStatus.newBuilder().setVersion("1.4.2").setState(OtaStatus.State.DOWNLOADING).setChunksDone(12).setChunksTotal(2930).build());
    assertProtocReads(TrustUpdate.newBuilder().addKeys(TrustedKey.newBuilder().setKeyId("platform-2027").setEd25519Public(sha)).build());
    assertProtocReads(ConsoleCommand.newBuilder().setId(5).setLine("store stat").build());
    assertProtocReads(ConsoleReply.newBuilder().setId(5).setStatus(0).setOutput("used=12%\n").build());
  }
}
