package io.mast.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommandLineTest {
  @Test
  void helpListsEverySubcommandAndEachHasItsOwnHelp() {
    Cli.Result top = Cli.run("", "--help");
    assertEquals(0, top.status());
    for (String sub : new String[] {"run", "encode", "decode", "bench"}) {
      assertTrue(top.out().contains("  " + sub + " "), top.out());
      Cli.Result help = Cli.run("", sub, "--help");
      assertEquals(0, help.status(), sub);
      assertTrue(help.out().startsWith("Usage: mast " + sub), help.out());
    }
    assertTrue(Cli.run("", "bench", "wire", "--help").out().startsWith("Usage: mast bench wire"));
  }

  @Test
  void runSaysWhatIsNotBuiltYetAndFails() {
    Cli.Result r = Cli.run("", "run", "--sim");
    assertEquals(3, r.status());
    assertTrue(r.err().startsWith("mast run: the runtime is not built yet."), r.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = Cli.run("", "decode", "--nope");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("Unknown option: '--nope'"), r.err());
  }
}
