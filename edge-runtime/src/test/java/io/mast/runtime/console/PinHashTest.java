package io.mast.runtime.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PinHashTest {
  @Test
  void theRightPinMatchesAnotherDoesNotAndEveryHashHasItsOwnSalt() {
    String stored = PinHash.hash("4711".toCharArray());
    assertTrue(stored.startsWith("pbkdf2-sha256$120000$"), stored);
    assertTrue(PinHash.matches("4711".toCharArray(), stored));
    assertFalse(PinHash.matches("4712".toCharArray(), stored));
    assertFalse(PinHash.matches("".toCharArray(), stored));
    assertNotEquals(stored, PinHash.hash("4711".toCharArray()), "a fresh salt each time");
  }

  @Test
  void aStoredHashKeepsItsOwnCostSoTheDefaultCanRise() {
    String old = PinHash.hash("2468".toCharArray(), new byte[16], 10_000);
    assertTrue(old.startsWith("pbkdf2-sha256$10000$AAAAAAAAAAAAAAAAAAAAAA$"), old);
    assertTrue(PinHash.matches("2468".toCharArray(), old));
  }

  @Test
  void aHashOfAnotherFormIsRefusedSayingHowToMakeOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PinHash.matches("1".toCharArray(), "4711"));
    assertEquals("console.pin_hash is not 'pbkdf2-sha256$ITERATIONS$SALT$HASH' (make one with: mast console hash-pin)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PinHash.matches("1".toCharArray(), "pbkdf2-sha256$x$AAAA$AAAA"));
    IllegalArgumentException cost = assertThrows(IllegalArgumentException.class,
        () -> PinHash.matches("1".toCharArray(), "pbkdf2-sha256$10$AAAAAAAAAAA$AAAA"));
    assertTrue(cost.getMessage().startsWith("console.pin_hash has 10 iterations"), cost.getMessage());
  }
}
