import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/**
 * Prints each skipped test with the reason it was given (the list reporter shows only that it was skipped), so that a
 * test skipped for want of something (a browser, PostgreSQL's binaries) says what it wants and how to get it.
 */
export default class SkipReasonReport implements Reporter {
  private readonly skipped: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== "skipped") return;
    const reason = [...result.annotations, ...test.annotations].find((annotation) => annotation.type === "skip");
    const where = `${test.location.file.slice(test.location.file.lastIndexOf("tests/"))}:${test.location.line}`;
    this.skipped.push(`  skipped: ${where} ${test.title}${reason?.description ? `: ${reason.description}` : ""}`);
  }

  onEnd(): void {
    if (this.skipped.length > 0) console.log(`\n${[...new Set(this.skipped)].join("\n")}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
