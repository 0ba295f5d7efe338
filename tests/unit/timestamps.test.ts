import { describe, expect, it } from "vitest";
import { toIsoUtc } from "@/db/timestamps";

describe("toIsoUtc", () => {
  it.each([
    ["2026-11-24 04:00:00+00", "2026-11-24T04:00:00.000Z"],
    ["2026-11-24 04:00:00.1+00", "2026-11-24T04:00:00.100Z"],
    ["2026-11-24 04:00:00.12+00", "2026-11-24T04:00:00.120Z"],
    ["2026-11-24 04:00:00.123+00", "2026-11-24T04:00:00.123Z"],
    ["2026-11-24 04:00:00.123456+00", "2026-11-24T04:00:00.123Z"],
  ])("turns PostgreSQL's UTC text %j into %j", (text, iso) => {
    expect(toIsoUtc(text)).toBe(iso);
  });

  it.each([
    ["2026-11-24 09:30:00.5+05:30", "2026-11-24T04:00:00.500Z"],
    ["2026-11-23 23:00:00-05", "2026-11-24T04:00:00.000Z"],
    ["2026-11-24 05:00:00+01", "2026-11-24T04:00:00.000Z"],
  ])("converts text from a session in another time zone, %j", (text, iso) => {
    expect(toIsoUtc(text)).toBe(iso);
  });
});
