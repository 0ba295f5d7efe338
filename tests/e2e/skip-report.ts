import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";

/**
 * Prints why tests were skipped, one line per reason with the files it skipped (the list reporter shows only that they
 * were), so that a test skipped for want of something (a browser, PostgreSQL's binaries) says what and how to get it.
 */
export default class SkipReasonReport implements Reporter {
  private readonly skipped = new Map<string, { tests: number; files: Set<string> }>();

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== "skipped") return;
    const annotation = [...result.annotations, ...test.annotations].find((candidate) => candidate.type === "skip");
    const reason = annotation?.description ?? "no reason given";
    const entry = this.skipped.get(reason) ?? { tests: 0, files: new Set<string>() };
    entry.tests++;
    entry.files.add(test.location.file.slice(test.location.file.lastIndexOf("tests/")));
    this.skipped.set(reason, entry);
  }

  onEnd(): void {
    for (const [reason, { tests, files }] of this.skipped) {
      console.log(`Skipped ${tests} test${tests === 1 ? "" : "s"} (${[...files].join(", ")}): ${reason}`);
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}
