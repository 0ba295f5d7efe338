// What the tests of this worker process started (servers, PostgreSQL clusters, relays) and have not stopped yet. The
// fixtures stop whatever a test leaves here when it ends, passed, failed or timed out (tests/e2e/fixtures.ts).

export interface Started {
  description: string;
  stop(): Promise<void>;
  /** The synchronous last resort, for an exiting process: kill it without waiting. */
  stopNow(): void;
}

const running = new Set<Started>();

/** Records `started` until the returned function is called (by its stop(), normally). */
export function track(started: Started): () => void {
  running.add(started);
  return () => void running.delete(started);
}

/** What is running now: a snapshot, for telling what a test starts from what was there before it. */
export function runningNow(): Started[] {
  return [...running];
}

/**
 * Stops each of `list` that is still running, all of them even if some fail (what fails to stop is the run's end's to
 * kill: tests/support/test-run.ts); resolves with what had to be stopped.
 */
export async function stopAll(list: Started[]): Promise<string[]> {
  const left = list.filter((started) => running.has(started));
  await Promise.allSettled(left.map(async (started) => started.stop()));
  return left.map((started) => started.description);
}

process.once("exit", () => {
  for (const started of running) started.stopNow();
});
