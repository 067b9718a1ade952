package io.mast.cli;

/** Where a pole keeps its files, as every command that reads them defaults to. */
public final class Defaults {
  /** The device config of a pole. */
  public static final String CONFIG_FILE = "/etc/mast/device.json";
  /** The ring store of a pole, unless its config says otherwise. */
  public static final String STORE_DIR = "/var/lib/mast/store";

  private Defaults() {}
}
