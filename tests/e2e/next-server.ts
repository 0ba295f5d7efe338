import { spawn } from "node:child_process";
import { testRunEnvironment } from "../support/test-run";
import { freePort } from "../support/free-port";
import { track } from "../support/started";

// `next start` run by a test itself, on a free port, in its own process group so that stopping it stops next-server too.

export interface NextServer {
  url: string;
  port: number;
  /** The server's process id (next-server), which is also its process group's. */
  pid: number;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines among it. */
  logLines(): Record<string, unknown>[];
  /** Resolves with the exit code once the server has exited (after stop(), or by itself). */
  exited: Promise<number | null>;
  /**
   * Resolves with the server's first answer to `path` (any status), or undefined if it exits or `timeoutMs` passes
   * first. instrumentation.register runs before the first request is served, so an answer means start-up checks passed.
   */
  answering(path?: string, timeoutMs?: number): Promise<Response | undefined>;
  /**
   * Resolves once /api/health answers 200, that is once the database is open and answering, so that no test's first
   * request pays for its cold start; rejects with the server's output if it exits or `timeoutMs` passes first.
   */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Signals the whole process group (SIGTERM unless told; SIGKILL is a crash), SIGKILL if it is still there a few
   * seconds later, and resolves once it has exited.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

// The ports of the servers started in this process: the fixtures hold what these answer to the OpenAPI document.
const startedPorts = new Set<number>();
/** Whether a server started by startNextServer in this process listens (or listened) on `port`. */
export const isStartedServerPort = (port: number) => startedPorts.has(port);

/** How long a server may take to start and open its database, on a machine busy with other builds and tests. */
export const SERVER_START_BUDGET_MS = 90_000;
const STOP_GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `next start` with `env` and nothing else of this process's environment but PATH and the run's marks. */
export async function startNextServer(env: Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  startedPorts.add(port);
  const child = spawn(
    process.execPath,
    ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)],
    {
      env: {
        PATH: process.env.PATH ?? "",
        ...testRunEnvironment(),
        NEXT_TELEMETRY_DISABLED: "1",
        NODE_ENV: "production",
        ...env,
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };

  async function answering(path = "/api/health", timeoutMs = SERVER_START_BUDGET_MS) {
    const deadline = Date.now() + timeoutMs;
    while (running() && Date.now() < deadline) {
      const answer = await fetch(`${url}${path}`).catch(() => undefined);
      if (answer) return answer;
      await sleep(100);
    }
    return undefined;
  }

  const server: NextServer = {
    url,
    port,
    pid: child.pid!,
    output: () => output,
    logLines: () =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
    answering,
    async ready(timeoutMs = SERVER_START_BUDGET_MS) {
      const deadline = Date.now() + timeoutMs;
      let last = "no answer";
      while (running() && Date.now() < deadline) {
        const answer = await answering("/api/health", deadline - Date.now());
        if (answer?.status === 200) return;
        if (answer) last = `${answer.status} ${await answer.text()}`;
        await sleep(200);
      }
      const why = running() ? `not ready after ${timeoutMs} ms (last answer: ${last})` : "exited before it was ready";
      throw new Error(`next start on port ${port} ${why}; its output:\n${output}`);
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (running()) {
        signalGroup(signal);
        const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      // next-server's children, if any, may outlive the process that led the group.
      signalGroup("SIGKILL");
      untrack();
    },
  };
  const untrack = track({
    description: `next start on port ${port}`,
    stop: () => server.stop(),
    stopNow: () => signalGroup("SIGKILL"),
  });
  return server;
}
