import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/**
 * Names each test that passed but took more than half of its timeout: one busy machine away from a timeout, so it
 * should wait for what it shares in a fixture or hook with a budget of its own, or say how long it needs.
 */
export default class TimeoutBudgetReport implements Reporter {
  private readonly close: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== "passed" || test.timeout === 0 || result.duration <= test.timeout / 2) return;
    const where = `${test.location.file.slice(test.location.file.lastIndexOf("tests/"))}:${test.location.line}`;
    this.close.push(`  ${where} ${test.title}: ${(result.duration / 1000).toFixed(1)} s of ${test.timeout / 1000} s`);
  }

  onEnd(): void {
    if (this.close.length === 0) return;
    console.log(`\nPassed, but with more than half of their timeout:\n${this.close.join("\n")}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
