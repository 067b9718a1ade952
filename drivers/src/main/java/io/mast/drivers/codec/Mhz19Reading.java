package io.mast.drivers.codec;

/**
 * One answer of a Winsen MH-Z19 CO2 sensor to a read command: CO2 in ppm, and the sensor's
 * internal temperature in degC (an undocumented byte that tracks the board, not the air).
 */
public record Mhz19Reading(int co2Ppm, int temperatureC) {}
