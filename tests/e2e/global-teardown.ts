import { endTestRun } from "../support/test-run";

/**
 * The end of the run, once every worker has exited: whatever the tests left running is stopped and the run's directory
 * removed (tests/support/test-run.ts). What a test left behind is named, so that the test can be fixed.
 */
export default function globalTeardown(): void {
  const leftovers = endTestRun();
  if (leftovers.length > 0) {
    console.warn(`The tests left ${leftovers.length} processes running; stopped now:\n  ${leftovers.join("\n  ")}`);
  }
}
