package io.mast.store;

/** Figures of a ring store: its two lanes and the group commits run since it was opened. */
public record StoreStats(LaneStats readings, LaneStats alarms, long syncs) {}
