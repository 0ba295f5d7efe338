// The harness itself: the ports the end-to-end servers get, and what the end of a test run removes.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";
import { beginTestRun, endTestRun, newTestDirectory, testRunEnvironment } from "../support/test-run";

/** The ports tests/e2e/ports.ts gives the servers of a new Playwright run, as its runner would compute them. */
function portsOfANewRun(): number[] {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  delete environment.E2E_PORTS;
  const script = `const ports = await import("./tests/e2e/ports.ts");
    process.stdout.write(JSON.stringify(Object.values(ports).filter((value) => typeof value === "number")));`;
  const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: environment,
  });
  return JSON.parse(output) as number[];
}

/** What tests/e2e/browser.ts decides in a process with `environment` (as the Playwright runner and workers would). */
function browserChoice(environment: Record<string, string | undefined>) {
  const script = `const { CHROMIUM_EXECUTABLE, BROWSER_SKIP_REASON } = await import("./tests/e2e/browser.ts");
    process.stdout.write(JSON.stringify({ executable: CHROMIUM_EXECUTABLE ?? null, skip: BROWSER_SKIP_REASON ?? null }));`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...environment };
  for (const [name, value] of Object.entries(environment)) if (value === undefined) delete env[name];
  const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    env,
  });
  return JSON.parse(output) as { executable: string | null; skip: string | null };
}

const listen = (port: number) =>
  new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("ports of the end-to-end servers", () => {
  it("a run started while another holds every port it took gets free ports of its own", async () => {
    const first = portsOfANewRun();
    expect(new Set(first).size).toBe(first.length);
    const held = await Promise.all(first.map(listen));
    try {
      const second = portsOfANewRun();
      expect(second.filter((port) => first.includes(port))).toEqual([]);
      for (const port of second) await close(await listen(port));
    } finally {
      await Promise.all(held.map(close));
    }
  });

  it("freePort never hands out the same port twice in a process, and each can be listened on", async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) await close(await listen(port));
  });
});

describe("the browser tests' Chromium", () => {
  it("without one, they are skipped, saying why and how to get one", () => {
    const { skip } = browserChoice({ CHROMIUM_PATH: "/nonexistent/chromium", CI: undefined });
    expect(skip).toBe(
      "no Chromium at CHROMIUM_PATH=/nonexistent/chromium: run `npx playwright install chromium`, or point CHROMIUM_PATH " +
        "at a system Chromium",
    );
  });

  it("in CI they are never skipped: a missing browser fails them", () => {
    expect(browserChoice({ CHROMIUM_PATH: "/nonexistent/chromium", CI: "true" })).toEqual({
      executable: "/nonexistent/chromium",
      skip: null,
    });
  });

  it("runs the one CHROMIUM_PATH names", () => {
    expect(browserChoice({ CHROMIUM_PATH: process.execPath, CI: undefined })).toEqual({
      executable: process.execPath,
      skip: null,
    });
  });
});

describe("the end of a test run", () => {
  const saved = { run: process.env.TODO_TEST_RUN, dir: process.env.TODO_TEST_RUN_DIR };
  afterEach(() => {
    for (const [name, value] of [
      ["TODO_TEST_RUN", saved.run],
      ["TODO_TEST_RUN_DIR", saved.dir],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("kills every process carrying the run's mark, leaves another run's alone, and removes the run's directory", async () => {
    delete process.env.TODO_TEST_RUN;
    delete process.env.TODO_TEST_RUN_DIR;
    expect(beginTestRun()).toBe(true);
    expect(beginTestRun()).toBe(false);
    const file = path.join(newTestDirectory("pglite"), "data");
    writeFileSync(file, "a test's data");
    const sleeper = (environment: Record<string, string>) =>
      spawn("sleep", ["60"], {
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...environment },
        detached: true,
        stdio: "ignore",
      });
    // As startNextServer does, in a process group of its own and with an environment built from scratch.
    const ours = sleeper(testRunEnvironment());
    const theirs = sleeper({ ...testRunEnvironment(), TODO_TEST_RUN: "another-run" });
    const oursExited = new Promise((resolve) => ours.on("exit", (_code, signal) => resolve(signal)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      endTestRun();
      expect(await oursExited).toBe("SIGKILL");
      expect(theirs.exitCode).toBeNull();
      expect(existsSync(file)).toBe(false);
      expect(existsSync(process.env.TODO_TEST_RUN_DIR!)).toBe(false);
    } finally {
      ours.kill("SIGKILL");
      theirs.kill("SIGKILL");
    }
  });
});
