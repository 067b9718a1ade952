package io.mast.drivers.codec;

/**
 * One data frame of a Plantower PMS5003 particle sensor: mass concentrations in ug/m3 (the
 * "CF=1" factory-calibration values and the "atmospheric environment" values) and particle
 * counts per 0.1 L of air above each size, all as the sensor's unsigned 16-bit words.
 */
public record Pms5003Frame(int pm1Cf1, int pm25Cf1, int pm10Cf1, int pm1Atm, int pm25Atm, int pm10Atm,
    int count03, int count05, int count10, int count25, int count50, int count100) {}
