// Runs a test command and checks that it leaves nothing behind: no file in the temporary directory, no process running.
//
//   node --import tsx tests/support/check-clean-run.ts [options] -- <command> [arguments...]
//
//   --interrupt       SIGINT to the command's process group, as Ctrl-C in a terminal does,
//   --kill-workers    or SIGKILL to every Playwright worker, as a crash or the OOM killer would,
//                     as soon as a worker has started a process of its own (a server, a database, a browser)
//   --expect-failure  the command must fail (a drill of the paths above); its failure is not the check's
//
// The command runs with TMPDIR set to a directory of the check's own, so that what it leaves there is its own and not
// another run's on a shared machine. Its processes are those started after the check began (outside the check's own
// job) that run in this checkout or in that directory, or that have that directory in their environment or command
// line: found without the help of the run's marks (tests/support/test-run.ts), so that the check holds whatever the
// harness does. Linux only (/proc).
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { processesWithEnvironment, processInfo } from "./test-run";

// Caches that tools keep in the temporary directory on purpose, to be reused by the next run: not leftovers (Node 22+
// keeps its module compile cache, which Next.js turns on, in node-compile-cache).
const TOOL_CACHES = /^((playwright-transform-cache|tsx)-\d+|node-compile-cache)$/;

function parseArguments(argv: string[]) {
  const separator = argv.indexOf("--");
  if (separator === -1 || separator === argv.length - 1) {
    throw new Error("usage: check-clean-run.ts [--interrupt | --kill-workers] [--expect-failure] -- command...");
  }
  const options = argv.slice(0, separator);
  return {
    command: argv.slice(separator + 1),
    interrupt: options.includes("--interrupt"),
    killWorkers: options.includes("--kill-workers"),
    expectFailure: options.includes("--expect-failure"),
  };
}

/** This process and the processes it runs under (npm, a shell, CI): not the command's, though they share its checkout. */
function selfAndAncestors(): Set<number> {
  const chain = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && pid > 1 && !chain.has(pid); pid = processInfo(pid)?.parent) {
    chain.add(pid);
  }
  return chain;
}

function describeProcess(pid: number): string {
  const info = processInfo(pid);
  const ports = listeningPorts(pid);
  return `pid ${pid}${ports.length > 0 ? ` listening on ${ports.join(", ")}` : ""}: ${info?.command ?? "(gone)"}`;
}

/** The TCP ports `pid` listens on, read from /proc (no ss or lsof needed). */
function listeningPorts(pid: number): number[] {
  let sockets: Set<string>;
  try {
    sockets = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return "";
          }
        })
        .filter((target) => target.startsWith("socket:["))
        .map((target) => target.slice("socket:[".length, -1)),
    );
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDRESS:PORT" in hex; state 0A is LISTEN; the inode is the tenth field.
      if (fields[3] === "0A" && sockets.has(fields[9] ?? "")) ports.push(parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

/** Processes that the command started, by the marks described at the top, that are still there. */
function leftoverProcesses(checkout: string, privateTmp: string, startedAfter: number, command: number): number[] {
  const exempt = selfAndAncestors();
  const ownGroup = processInfo(process.pid)!.group;
  return processesWithEnvironment()
    .filter(({ pid }) => !exempt.has(pid))
    .filter(({ pid, environment }) => {
      const info = processInfo(pid);
      // Started before the check, or beside it in its own job (`check ... | tail`): not the command's.
      if (!info || info.startedAt < startedAfter || info.group === ownGroup) return false;
      // The check's own helpers (tsx's esbuild service), as opposed to the command it runs.
      if (info.parent === process.pid && pid !== command) return false;
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // unreadable: decided by the other marks
      }
      return (
        cwd === checkout ||
        cwd.startsWith(`${checkout}/`) ||
        cwd.startsWith(`${privateTmp}/`) ||
        environment.includes(`TMPDIR=${privateTmp}`) ||
        info.command.includes(privateTmp)
      );
    })
    .map(({ pid }) => pid);
}

/** Whether any of `parents` has a child process. */
function hasChildren(parents: number[]): boolean {
  if (parents.length === 0) return false;
  const wanted = new Set(parents);
  return readdirSync("/proc").some(
    (entry) => /^\d+$/.test(entry) && wanted.has(processInfo(Number(entry))?.parent ?? 0),
  );
}

function sizeOf(entry: string): number {
  const stats = statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(entry).reduce((total, name) => total + sizeOf(path.join(entry, name)), 0);
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGCONT");
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

async function main(): Promise<number> {
  const { command, interrupt, killWorkers, expectFailure } = parseArguments(process.argv.slice(2));
  const checkout = process.cwd();
  const privateTmp = mkdtempSync(path.join(tmpdir(), "todo-clean-run-"));
  // The tests' PostgreSQL clusters run as the postgres user when the tests run as root: it must reach them in here.
  chmodSync(privateTmp, 0o711);
  const startedAfter = processInfo(process.pid)!.startedAt;

  console.log(`check-clean-run: ${command.join(" ")} with TMPDIR=${privateTmp}`);
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, TMPDIR: privateTmp },
    stdio: "inherit",
    // A process group of its own, as a terminal's foreground job: Ctrl-C reaches every process in it.
    detached: true,
  });
  const exited = new Promise<{ code: number; how: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code: code ?? 1, how: signal ? `on ${signal}` : `with ${code}` })),
  );
  // Ctrl-C on the check itself reaches the command through its own process group.
  process.on("SIGINT", () => process.kill(-child.pid!, "SIGINT"));

  let drill: NodeJS.Timeout | undefined;
  if (interrupt || killWorkers) {
    drill = setInterval(() => {
      const workers = leftoverProcesses(checkout, privateTmp, startedAfter, child.pid!).filter((pid) =>
        processInfo(pid)?.command.includes("workerProcessEntry"),
      );
      if (!hasChildren(workers)) return;
      clearInterval(drill);
      if (interrupt) {
        console.log(
          "check-clean-run: a worker has started something: interrupting the run (SIGINT to its process group)",
        );
        process.kill(-child.pid!, "SIGINT");
      } else {
        console.log(`check-clean-run: a worker has started something: killing ${workers.length} workers (SIGKILL)`);
        killAll(workers);
      }
    }, 250);
  }

  const { code, how } = await exited;
  clearInterval(drill);
  // The command's own children may take a moment to go once it has exited.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const problems: string[] = [];
  const processes = leftoverProcesses(checkout, privateTmp, startedAfter, child.pid!);
  if (processes.length > 0) {
    problems.push(
      `${processes.length} processes left running:`,
      ...processes.map((pid) => `  ${describeProcess(pid)}`),
    );
  }
  const entries = readdirSync(privateTmp);
  const files = entries.filter((name) => !TOOL_CACHES.test(name));
  const caches = entries.filter((name) => TOOL_CACHES.test(name));
  if (files.length > 0) {
    problems.push(
      `${files.length} entries left in the temporary directory:`,
      ...files.map((name) => `  ${name} (${Math.round(sizeOf(path.join(privateTmp, name)) / 1024)} KiB)`),
    );
  }
  if (expectFailure && code === 0) problems.push("the command succeeded, though this drill expects it to fail");

  killAll(processes);
  rmSync(privateTmp, { recursive: true, force: true });
  if (problems.length > 0) {
    console.error(`check-clean-run: FAILED\n${problems.join("\n")}`);
    return 1;
  }
  const kept = caches.length > 0 ? ` (but the tools' caches: ${caches.join(", ")})` : "";
  console.log(`check-clean-run: the command exited ${how} and left nothing behind${kept}`);
  return expectFailure ? 0 : code;
}

process.exit(await main());
