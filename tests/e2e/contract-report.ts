import { readFile } from "node:fs/promises";
import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";
import { Contract, CONTRACT_OUTCOMES_ATTACHMENT } from "../support/contract";

/**
 * Prints which outcomes of the OpenAPI document (operation and status, or fallback) no test exercised, so the gaps
 * in the contract check are in plain sight. The fixtures attach what each test exercised.
 */
export default class ContractCoverageReport implements Reporter {
  private readonly exercised = new Set<string>();

  onTestEnd(_test: TestCase, result: TestResult): void {
    for (const attachment of result.attachments) {
      if (attachment.name !== CONTRACT_OUTCOMES_ATTACHMENT || !attachment.body) continue;
      for (const outcome of JSON.parse(attachment.body.toString("utf8")) as string[]) this.exercised.add(outcome);
    }
  }

  async onEnd(): Promise<void> {
    // The committed document: a test fails when it differs from the one the API serves.
    const document = JSON.parse(await readFile("openapi.json", "utf8"));
    const outcomes = (await Contract.of(document)).outcomes();
    const missed = outcomes.filter((outcome) => !this.exercised.has(outcome));
    console.log(
      `\nContract coverage: ${outcomes.length - missed.length} of ${outcomes.length} outcomes of openapi.json exercised ` +
        `by the tests${missed.length > 0 ? "; not exercised:" : "."}`,
    );
    for (const outcome of missed) console.log(`  not exercised: ${outcome}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
