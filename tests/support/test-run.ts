// One test run owns one temporary directory, and every process it starts carries the run's id in its environment: so
// whatever a run leaves behind (a test that failed or timed out, a worker that crashed, an interrupted run) is found and
// removed at its end. Finding processes by their environment needs Linux's /proc; elsewhere only the directory goes.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const RUN_ID = "TODO_TEST_RUN";
const RUN_DIR = "TODO_TEST_RUN_DIR";

/**
 * Starts a test run in this process unless one is under way: a Playwright worker, a web server or any process the
 * tests start inherits its runner's. Returns true when this process started the run and must end it (endTestRun).
 */
export function beginTestRun(): boolean {
  if (process.env[RUN_ID] && process.env[RUN_DIR]) return false;
  const dir = mkdtempSync(path.join(tmpdir(), "todo-test-run-"));
  // Tests run as root start their PostgreSQL clusters as the postgres user, which must be able to reach them in here.
  chmodSync(dir, 0o711);
  process.env[RUN_DIR] = dir;
  process.env[RUN_ID] = path.basename(dir);
  return true;
}

/** The run's directory, when a run is under way. */
export function testRunDirectory(): string | undefined {
  return process.env[RUN_DIR];
}

/**
 * What a process started with an environment of its own must still be given: the run's marks, by which the end of the
 * run finds it, and TMPDIR, so that it writes its temporary files where the run's do.
 */
export function testRunEnvironment(): Record<string, string> {
  const marks: Record<string, string> = {};
  for (const name of [RUN_ID, RUN_DIR, "TMPDIR"]) {
    const value = process.env[name];
    if (value) marks[name] = value;
  }
  return marks;
}

/**
 * A new, empty directory for one test's files, inside the run's directory so that the run's end removes it whatever
 * happens to the test. Outside a run (a helper used on its own), it is an ordinary temporary directory.
 */
export function newTestDirectory(label: string): string {
  const parent = process.env[RUN_DIR] ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(path.join(parent, `${label}-`));
}

export interface ProcessInfo {
  pid: number;
  parent: number;
  group: number;
  /** Clock ticks after boot at which it started. */
  startedAt: number;
  command: string;
}

/** What /proc says of `pid`, or undefined once it is gone (or on a system without /proc). */
export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const command = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
    return { pid, parent: Number(fields[1]), group: Number(fields[2]), startedAt: Number(fields[19]), command };
  } catch {
    return undefined;
  }
}

/** Every process but this one, with the environment it was started with (unreadable ones, other users', left out). */
export function processesWithEnvironment(): { pid: number; environment: string[] }[] {
  if (!existsSync("/proc")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .flatMap((entry) => {
      try {
        return [{ pid: Number(entry), environment: readFileSync(`/proc/${entry}/environ`, "latin1").split("\0") }];
      } catch {
        return [];
      }
    });
}

/** The processes, other than this one, whose environment carries this run's id. */
export function testRunProcesses(runId = process.env[RUN_ID]): number[] {
  if (!runId) return [];
  const mark = `${RUN_ID}=${runId}`;
  return processesWithEnvironment()
    .filter(({ environment }) => environment.includes(mark))
    .map(({ pid }) => pid);
}

const sleepSync = (ms: number) => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Shuts down the PostgreSQL clusters left under `dir` the way `pg_ctl -m immediate` does (SIGQUIT to the postmaster,
 * after SIGCONT in case a test froze it), so that no server outlives the files it runs on.
 */
function stopClustersUnder(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dataDir = path.join(dir, entry.name, "data");
    let pid: number;
    try {
      pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      // A stale file's pid may belong to an unrelated process by now: only a postmaster of this directory counts.
      if (!readFileSync(`/proc/${pid}/cmdline`, "latin1").includes(dataDir)) continue;
      process.kill(pid, "SIGCONT");
      process.kill(pid, "SIGQUIT");
    } catch {
      continue;
    }
    for (let waited = 0; alive(pid) && waited < 5_000; waited += 100) sleepSync(100);
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}

/**
 * Ends the test run this process began: stops its PostgreSQL clusters, kills every process still carrying its id, and
 * removes its directory. Synchronous, so that an exit hook can run it; does nothing when nothing is left. Returns the
 * command lines of the processes it killed that this process did not start itself (a runner's web servers lead process
 * groups of their own, its children): what the tests failed to stop.
 */
export function endTestRun(): string[] {
  const dir = process.env[RUN_DIR];
  const leftovers: string[] = [];
  if (dir && existsSync(dir)) stopClustersUnder(dir);
  for (let pass = 0; pass < 3; pass++) {
    const found = testRunProcesses().flatMap((pid) => processInfo(pid) ?? []);
    if (found.length === 0) break;
    const ownGroups = new Set(found.filter((info) => info.parent === process.pid).map((info) => info.pid));
    for (const info of found) {
      if (pass === 0 && !ownGroups.has(info.group)) leftovers.push(info.command);
      try {
        process.kill(info.pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    sleepSync(200);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  return leftovers;
}
