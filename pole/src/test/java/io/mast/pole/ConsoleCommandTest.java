package io.mast.pole;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mast.cli.Cli;
import io.mast.runtime.console.PinHash;
import org.junit.jupiter.api.Test;

class ConsoleCommandTest {
  @Test
  void hashPinPrintsAHashTheConsoleAcceptsAndNeverThePin() {
    Cli.Result r = Cli.run("4711\n4711\n", "console", "hash-pin");
    assertEquals(0, r.status(), r.err());
    String hash = r.out().strip();
    assertTrue(PinHash.matches("4711".toCharArray(), hash), hash);
    assertFalse(r.out().contains("4711") || r.err().contains("4711"), "the PIN is never printed");
  }

  @Test
  void twoDifferentPinsOrAShortOneAreRefusedAndNothingIsPrinted() {
    Cli.Result differ = Cli.run("4711\n4712\n", "console", "hash-pin");
    assertEquals(1, differ.status());
    assertEquals("mast console hash-pin: the two PINs differ; nothing printed\n", differ.err());
    assertEquals("", differ.out());
    Cli.Result shortPin = Cli.run("12\n12\n", "console", "hash-pin");
    assertEquals(1, shortPin.status());
    assertTrue(shortPin.err().contains("a PIN has 4 to 64 characters, not 2"), shortPin.err());
  }
}
