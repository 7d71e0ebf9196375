/**
 * Serials and the names derived from them. Pure, and reading no environment: handlers that only
 * name things (the refusal handler, which has no devices table) import these without loading the
 * registry's module.
 */

/** Serials are case-insensitive on the label and stored upper-case. */
export function normalizeSerial(serial: string): string {
  return serial.trim().toUpperCase();
}

/** The IoT thing name, and so the KVS channel name, derived from the serial. */
export function thingNameFor(serial: string): string {
  return normalizeSerial(serial);
}

/** The serial a thing name was made from: the inverse of `thingNameFor`. */
export function serialOfThing(thingName: string): string {
  return normalizeSerial(thingName);
}
