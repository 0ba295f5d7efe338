import { spawn } from "node:child_process";

// `next start` run by a test itself, in its own process group so that stopping it stops next-server too.

export interface NextServer {
  url: string;
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
  /** Signals the whole process group (SIGTERM unless told; SIGKILL is a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startNextServer(port: number, env: Record<string, string>): NextServer {
  const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH ?? "", NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    pid: child.pid!,
    output: () => output,
    logLines: () =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
    async answering(path = "/api/health", timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (child.exitCode === null && Date.now() < deadline) {
        const answer = await fetch(`${url}${path}`).catch(() => undefined);
        if (answer) return answer;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return undefined;
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}
