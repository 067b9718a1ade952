package io.mast.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.config.model.DeviceConfig;
import io.mast.seams.DurableFiles;
import io.mast.seams.FaultyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigStoreTest {
  @TempDir
  Path dir;

  private static DeviceConfig v2(DeviceConfig v1) {
    return v1.toBuilder().setVersion(2).setUplink(v1.getUplink().toBuilder().setKeepaliveS(600)).build();
  }

  @Test
  void appliedConfigIsCurrentAndTheOldOneIsPreviousAcrossReopen() throws Exception {
    DeviceConfig v1 = Examples.sim();
    ConfigStore store = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    assertNull(store.current());
    store.apply(v1);
    List<DeviceConfigs.Change> changes = store.apply(v2(v1));
    assertEquals(List.of("version: 1 -> 2", "uplink.keepalive_s: 1200 -> 600"), changes.stream().map(Object::toString).toList());

    ConfigStore reopened = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    assertEquals(v2(v1), reopened.current());
    assertEquals(v1, reopened.previous());
  }

  @Test
  void aRevertPutsThePreviousConfigBackAcrossReopen() throws Exception {
    DeviceConfig v1 = Examples.sim();
    ConfigStore store = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    assertThrows(IllegalStateException.class, store::revert);
    store.adopt(v1);
    store.apply(v2(v1));
    assertEquals(v1, store.revert());
    ConfigStore reopened = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    assertEquals(v1, reopened.current());
    assertEquals(v1, reopened.revert(), "a second revert changes nothing");
  }

  @Test
  void aVersionNotNewerIsRefusedAndNothingChanges() throws Exception {
    DeviceConfig v1 = Examples.sim();
    ConfigStore store = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    store.apply(v2(v1));
    ConfigException e = assertThrows(ConfigException.class, () -> store.apply(v1));
    assertEquals("config version 1 is not newer than the current version 2", e.getMessage());
    ConfigException same = assertThrows(ConfigException.class, () -> store.apply(v2(v1)));
    assertEquals("config version 2 is not newer than the current version 2", same.getMessage());
    assertEquals(v2(v1), ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN).current());
  }

  @Test
  void anInvalidConfigIsRefusedWithEveryErrorAndNothingIsWritten() throws Exception {
    DeviceConfig v1 = Examples.sim();
    ConfigStore store = ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN);
    store.apply(v1);
    DeviceConfig bad = v2(v1).toBuilder().setUplink(v1.getUplink().toBuilder().setMaxFrameBytes(64).setKeepaliveS(1)).build();
    ConfigException e = assertThrows(ConfigException.class, () -> store.apply(bad));
    assertEquals(List.of("uplink.keepalive_s: 1 is below the minimum 10", "uplink.max_frame_bytes: 64 is below the minimum 128"),
        e.problems().stream().map(Problem::toString).toList());
    assertEquals(v1, store.current());
    assertEquals(v1, ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN).current());
  }

  @Test
  void onTheDeviceAMissingTlsFileIsAnError() throws Exception {
    DeviceConfig v1 = Examples.sim();
    DeviceConfig tls = v1.toBuilder().setUplink(v1.getUplink().toBuilder().setTlsCaFile(dir.resolve("ca.pem").toString())).build();
    ConfigStore store = ConfigStore.open(dir.resolve("store"), DurableFiles.real(), Validation.Mode.DEVICE);
    assertThrows(ConfigException.class, () -> store.apply(tls));
    Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    store.apply(tls);
    assertEquals(tls, store.current());
  }

  /** A power cut at every step of an apply, clean or tearing the write: the old or new config, whole. */
  @Test
  void aPowerCutAtAnyStepLeavesTheOldOrTheNewConfigReadable() throws Exception {
    DeviceConfig v1 = Examples.sim();
    int steps = stepsOfOneApply(v1);
    assertEquals(6, steps, "write+rename+sync for previous.json, then for current.json");
    for (boolean tear : new boolean[] {false, true}) {
      for (int failAt = 0; failAt < steps; failAt++) {
        Path d = dir.resolve("cut-" + tear + "-" + failAt);
        ConfigStore.open(d, DurableFiles.real(), Validation.Mode.DRY_RUN).apply(v1);
        ConfigStore faulty = ConfigStore.open(d, new FaultyFiles().failAtStep(failAt, tear), Validation.Mode.DRY_RUN);
        assertThrows(IOException.class, () -> faulty.apply(v2(v1)));
        assertEquals(v1, faulty.current(), "memory keeps the old config when the disk fails");

        ConfigStore afterReboot = ConfigStore.open(d, DurableFiles.real(), Validation.Mode.DRY_RUN);
        DeviceConfig current = afterReboot.current();
        // The commit point is the rename of current.json.tmp (step 4): before it the old config, after it the new.
        assertEquals(failAt <= 4 ? v1 : v2(v1), current, "cut at step " + failAt + (tear ? " (torn)" : ""));
        try (var files = Files.list(d)) {
          assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "temp files are cleaned at open");
        }
      }
    }
  }

  private int stepsOfOneApply(DeviceConfig v1) throws Exception {
    Path d = dir.resolve("count");
    ConfigStore.open(d, DurableFiles.real(), Validation.Mode.DRY_RUN).apply(v1);
    FaultyFiles counting = new FaultyFiles();
    ConfigStore.open(d, counting, Validation.Mode.DRY_RUN).apply(v2(v1));
    return counting.steps();
  }

  @Test
  void aCorruptCurrentFileIsReportedWithItsName() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("current.json"), "{\"version\": \"1\", \"identity\": {");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigStore.open(dir, DurableFiles.real(), Validation.Mode.DRY_RUN));
    assertTrue(e.getMessage().startsWith(dir.resolve("current.json") + ": 1 problem:\nthe JSON ends too early"), e.getMessage());
  }
}
