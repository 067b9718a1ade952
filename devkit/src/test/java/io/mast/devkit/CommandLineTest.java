package io.mast.devkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.cli.MastCommand;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine;

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
  void runWithoutConfigOrSimReadsTheBoardsConfigFileAndSaysSo() {
    Cli.Result r = Cli.run("", "run");
    assertEquals(78, r.status(), "a board's config that is missing exits 78, which its unit does not restart: " + r.err());
    assertTrue(r.err().startsWith("mast run: /etc/mast/device.json: "), r.err());
  }

  @Test
  void usageErrorsExitWithTwoAndSayWhatToTypeInstead() {
    Cli.Result r = Cli.run("", "run", "--sim", "--replay", "x.csv");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--replay and --channels go together"), r.err());
    r = Cli.run("", "run", "--sim", "--replay", "x.csv", "--channels", "c.csv");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--replay needs --speed: max (as fast as it goes) or a factor"), r.err());
    r = Cli.run("", "sim", "--speed", "60");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--speed goes with --replay"), r.err());
    r = Cli.run("", "decode", "--follow", "frames");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--follow goes with --hex"), r.err());
    assertEquals(1, r.err().lines().count(), "one line, not the whole usage: " + r.err());
  }

  @Test
  void everyOptionOfEveryCommandIsDescribedAndOneWithADefaultSaysIt() {
    List<String> missing = new ArrayList<>();
    int checked = walk(MastCommand.commandLine("help"), missing);
    assertTrue(checked > 60, "the walk saw every command's options: " + checked);
    assertEquals(List.of(), missing);
  }

  private static int walk(CommandLine cl, List<String> missing) {
    int checked = 0;
    for (OptionSpec o : cl.getCommandSpec().options()) {
      checked++;
      String where = cl.getCommandSpec().qualifiedName() + " " + o.longestName();
      String text = String.join(" ", o.description());
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      if (text.isBlank()) {
        missing.add(where + ": no description");
      } else if (o.defaultValue() != null && !text.contains("default")) {
        missing.add(where + ": default " + o.defaultValue() + " not described");
      }
    }
    for (PositionalParamSpec p : cl.getCommandSpec().positionalParameters()) {
      if (String.join(" ", p.description()).isBlank()) {
        missing.add(cl.getCommandSpec().qualifiedName() + " " + p.paramLabel() + ": no description");
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      checked += walk(sub, missing);
    }
    return checked;
  }

  @Test
  void decodeHelpHasNoFormatWarningAndShowsTheMosquittoSubFormat() {
    Cli.Result help = Cli.run("", "decode", "--help");
    assertTrue(help.out().startsWith("Usage: mast decode"), help.out());
    assertTrue(help.out().contains("mosquitto_sub -F '%t %x'"), help.out());
    assertTrue(help.err().isEmpty(), help.err());
  }

  @Test
  void unknownOptionIsAUsageError() {
    Cli.Result r = Cli.run("", "decode", "--nope");
    assertEquals(2, r.status());
    assertEquals("mast decode: Unknown option: '--nope' (mast decode --help lists what it takes)", r.err().strip());
  }
}
