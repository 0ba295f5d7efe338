import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("drizzle/ migrations", () => {
  it("match db/schema.ts: generating again produces nothing new", () => {
    const before = readdirSync("drizzle");
    const output = execFileSync(process.execPath, ["node_modules/drizzle-kit/bin.cjs", "generate"], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "" },
    });
    expect(output).toContain("No schema changes");
    expect(readdirSync("drizzle")).toEqual(before);
  });
});
