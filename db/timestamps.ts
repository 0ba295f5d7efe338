import { customType } from "drizzle-orm/pg-core";

// PostgreSQL's text for a timestamptz in a UTC session: "2026-11-24 04:00:00.12+00" (fraction without trailing zeros).
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/** The API's form of a timestamp: ISO 8601 in UTC with milliseconds, "2026-11-24T04:00:00.120Z". */
export function toIsoUtc(text: string): string {
  const utc = UTC_TEXT.exec(text);
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? "").padEnd(3, "0").slice(0, 3)}Z`;
  // A session in another time zone: let Date do the arithmetic ("+05:30", or "+05" which Date wants as "+05:00").
  return new Date(text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00")).toISOString();
}

/**
 * timestamptz read straight into the API's ISO text, without a Date in between: rows become JSON with no Date objects
 * to build (Next.js wraps the Date constructor on its servers, which makes each one costly) or to serialize.
 * Every driver hands drizzle the database's text for this type.
 */
export const isoTimestamp = customType<{ data: string; driverData: string }>({
  dataType: () => "timestamp with time zone",
  fromDriver: toIsoUtc,
});
