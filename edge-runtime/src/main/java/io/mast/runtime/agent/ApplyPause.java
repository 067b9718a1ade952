package io.mast.runtime.agent;

import java.util.concurrent.CountDownLatch;

/**
 * Fault injection for the power-cut tests: with the system property {@value #PROPERTY} set to a
 * step's name of the config apply (pending-saved, runtime-applied, stored, acknowledged), the
 * agent says so on stderr and stops there, for the test to kill the process at that exact point.
 */
final class ApplyPause {
  static final String PROPERTY = "mast.config.pauseAt";

  private ApplyPause() {}

  static void at(String step) {
    if (step.equals(System.getProperty(PROPERTY))) {
      System.err.println("mast: config apply paused at " + step + " (" + PROPERTY + ")");
      System.err.flush();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
