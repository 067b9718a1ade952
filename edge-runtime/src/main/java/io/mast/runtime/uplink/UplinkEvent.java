package io.mast.runtime.uplink;

import io.mast.runtime.uplink.InFlightWindow.Lane;
import java.util.concurrent.CompletableFuture;

/** Something Paho or an agent reported, queued by a callback and handled on the uplink thread. */
sealed interface UplinkEvent {
  /** The broker acknowledged a frame sent on connection {@code session}. */
  record Acked(Lane lane, long seq, long session) implements UplinkEvent {}

  /** An agent's message is acknowledged ({@code failure} null) or failed. */
  record AgentDone(CompletableFuture<Void> future, long session, Throwable failure) implements UplinkEvent {}

  /** Connection {@code session} is lost, for the reason given. */
  record Lost(long session, String why) implements UplinkEvent {}
}
