package io.mast.store;

/** A record of the alarms lane as read back: its sequence number and its alarm. */
public record StoredAlarm(long seq, AlarmEvent alarm) {}
