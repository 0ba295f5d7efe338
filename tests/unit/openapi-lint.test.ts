import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// Redocly CLI's recommended rules on the committed openapi.json, which tests/e2e/contract.spec.ts pins to the document
// the API serves. redocly.yaml switches rules off, each with its reason; .redocly.lint-ignore.yaml accepts single
// problems. Offline: redocly.yaml says `telemetry: off` and so does the environment; the update check is skipped when
// stderr is not a terminal, as here. (Traced once with strace: no connect() at all; without `telemetry: off`, a DNS
// lookup on the first run.)

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

async function lint(): Promise<LintReport> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["node_modules/@redocly/cli/bin/cli.js", "lint", "openapi.json", "--format=json"],
    { env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
  ).catch((failure: { stdout?: string }) => ({ stdout: failure.stdout ?? "" })); // exit 1 on errors: the report says which
  return JSON.parse(stdout) as LintReport;
}

describe("Redocly CLI's recommended rules on openapi.json", () => {
  it("find no error and no warning", { timeout: 120_000 }, async () => {
    const report = await lint();
    const problems = report.problems.map(
      ({ ruleId, severity, message, location }) => `${severity} ${ruleId} at ${location[0]?.pointer}: ${message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it("are configured to send nothing anywhere", async () => {
    expect(await readFile("redocly.yaml", "utf8")).toMatch(/^telemetry: off$/m);
  });
});
