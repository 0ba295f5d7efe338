import { spawn } from "node:child_process";
import { loopback } from "../ports";

export interface NextServer {
  /** Whether it came up and answered a request (start-up checks passed). */
  answered: boolean;
  /** That first answer, for the contract check. */
  firstAnswer?: { url: string; response: Response };
  /** Null while running; the exit code once the process has exited. */
  exitCode(): number | null;
  output(): string;
  /** Stops next start and its next-server child (they share a process group). */
  stop(): Promise<number | null>;
}

/**
 * Runs the built app with `next start` on 127.0.0.1:`port`, in its own process group, with only `env` (and PATH), and
 * waits until it answers a request or exits.
 */
export async function startNextServer(port: number, env: Record<string, string>): Promise<NextServer> {
  const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH ?? "", NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  // instrumentation.register runs before the first request is served, so one answer means start-up checks passed.
  const url = `${loopback(port)}/api/nothing`;
  const deadline = Date.now() + 30_000;
  let response: Response | undefined;
  while (!response && child.exitCode === null && Date.now() < deadline) {
    response = await fetch(url).catch(() => undefined);
    if (!response) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    answered: response !== undefined,
    firstAnswer: response && { url, response },
    exitCode: () => child.exitCode,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
      return exited;
    },
  };
}
