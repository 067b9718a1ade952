package io.mast.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandLineTest {
  @Test
  void helpListsEverySubcommandAndEachHasItsOwnHelp() {
    Cli.Result top = Cli.run("", "--help");
    assertEquals(0, top.status());
    for (String sub : new String[] {"run", "encode", "decode", "bench", "cds"}) {
      assertTrue(top.out().contains("  " + sub + " "), top.out());
      Cli.Result help = Cli.run("", sub, "--help");
      assertEquals(0, help.status(), sub);
      assertTrue(help.out().startsWith("Usage: mast " + sub), help.out());
    }
    assertTrue(Cli.run("", "bench", "wire", "--help").out().startsWith("Usage: mast bench wire"));
  }

  @Test
  void helpNamingASubcommandPrintsThatSubcommandsUsageAndAnUnknownOneIsAUsageError() {
    Cli.Result help = Cli.run("", "help", "decode");
    assertEquals(0, help.status(), help.err());
    assertTrue(help.out().startsWith("Usage: mast decode"), help.out());
    Cli.Result unknown = Cli.run("", "frobnicate");
    assertEquals(2, unknown.status());
    assertTrue(unknown.err().contains("Unmatched argument at index 0: 'frobnicate'"), unknown.err());
  }

  @Test
  void runWithNeitherConfigNorSimSaysWhatToGive() {
    Cli.Result r = Cli.run("", "run");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("give --config FILE (on a board) or --sim"), r.err());
  }

  @Test
  void runReplayWithoutChannelsIsRefused() {
    Cli.Result r = Cli.run("", "run", "--sim", "--replay", "x.csv");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("--replay and --channels go together"), r.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = Cli.run("", "decode", "--nope");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("Unknown option: '--nope'"), r.err());
  }
}
