import { describe, expect, it } from "vitest";
import { etagOf, expectedVersions } from "@/lib/http/etag";

// The ETag codec on its own: which versions an If-Match header names. The HTTP tests (tests/integration/conditional.test.ts)
// see only 200 or 412, which cannot tell "names nothing" from "names a version no task has".

const ifMatch = (value: string) =>
  expectedVersions(new Request("http://localhost/", { headers: { "if-match": value } }));

const version = "2026-11-24T04:00:00.000Z";
const tag = etagOf({ updated_at: version });

describe("If-Match", () => {
  it("names the version of a task's tag, and of the latest version a task can have (9999-12-31T23:59:59.999Z)", () => {
    expect(tag).toBe('"mwu61z40"');
    expect(ifMatch(tag)).toEqual([version]);
    const latest = "9999-12-31T23:59:59.999Z";
    expect(ifMatch(etagOf({ updated_at: latest }))).toEqual([latest]);
    expect(ifMatch(`"${(Date.parse(latest) + 1).toString(36)}"`)).toEqual([]);
  });

  it("compares strongly, character by character: a leading zero, a sign or a capital names nothing", () => {
    expect(ifMatch('"0mwu61z40"')).toEqual([]);
    expect(ifMatch('"MWU61Z40"')).toEqual([]);
    expect(ifMatch('"-1"')).toEqual([]);
    // Far below the earliest date: a 500 (RangeError from toISOString) if it ever reached the Date.
    expect(ifMatch('"-zzzzzzzzzzz"')).toEqual([]);
    expect(ifMatch('"mwu61z40-"')).toEqual([]);
  });

  it("leaves weak and impossible tags out of the list, and skips empty elements", () => {
    expect(ifMatch(`W/${tag}`)).toEqual([]);
    expect(ifMatch(`W/${tag}, "!"`)).toEqual([]);
    expect(ifMatch(`, ${tag}, ,`)).toEqual([version]);
    expect(ifMatch(`W/${tag}, ${tag}`)).toEqual([version]);
  });

  it("is unconditional without the header or with *", () => {
    expect(expectedVersions(new Request("http://localhost/"))).toBeUndefined();
    expect(ifMatch("*")).toBeUndefined();
  });
});
