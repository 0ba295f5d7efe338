import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirectoryInUseError, lockDataDirectory, type DataDirectoryLock } from "@/db/data-dir-lock";

const roots: string[] = [];
const locks: DataDirectoryLock[] = [];
const holders: ChildProcess[] = [];

function newRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), "todo-lock-"));
  roots.push(root);
  return root;
}

afterEach(async () => {
  for (const holder of holders.splice(0)) holder.kill("SIGKILL");
  for (const lock of locks.splice(0)) await lock.release();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function lock(dataDir: string): Promise<DataDirectoryLock> {
  const taken = await lockDataDirectory(dataDir);
  locks.push(taken);
  return taken;
}

/** Another process holding the directory, as a server would; resolves once it holds it. */
function holdInAnotherProcess(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/support/hold-data-dir.ts", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  holders.push(child);
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
  });
}

/** Every entry under a directory with its size and modification time: what "touches no file" compares. */
function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stats = statSync(path.join(dir, name));
    entries[name] = `${stats.size} ${stats.mtimeMs}`;
  }
  return entries;
}

async function inUseError(attempt: Promise<unknown>): Promise<DataDirectoryInUseError> {
  const error = await attempt.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DataDirectoryInUseError);
  return error as DataDirectoryInUseError;
}

describe("the embedded database's data directory lock", () => {
  it("refuses a second opener in another process at once, naming the directory and the holder, touching nothing", async () => {
    const root = newRoot();
    const dataDir = path.join(root, "pglite");
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, "PG_VERSION"), "17\n");
    const holder = await holdInAnotherProcess(dataDir);
    const before = snapshot(root);

    const startedAt = performance.now();
    const error = await inUseError(lockDataDirectory(dataDir));
    expect(performance.now() - startedAt).toBeLessThan(5_000); // at once: no waiting for the holder to go away
    expect(error.dataDir).toBe(dataDir);
    expect(error.holder?.pid).toBe(holder.pid);
    expect(error.message).toContain(`The embedded database at ${dataDir} cannot be opened`);
    expect(error.message).toContain(`in use by process ${holder.pid} (hold-data-dir.ts ${dataDir})`);
    expect(snapshot(root)).toEqual(before);
  });

  it("refuses a second handle in the same process too", async () => {
    const dataDir = path.join(newRoot(), "pglite");
    await lock(dataDir);
    const error = await inUseError(lockDataDirectory(dataDir));
    expect(error.message).toContain(`this process (pid ${process.pid}) already has it open`);
  });

  it("is free again once released, and released once only", async () => {
    const dataDir = path.join(newRoot(), "pglite");
    const first = await lockDataDirectory(dataDir);
    await first.release();
    await first.release();
    await lock(dataDir);
  });

  it("is free again at once when its holder is killed with SIGKILL, and does not name the dead holder", async () => {
    const root = newRoot();
    const dataDir = path.join(root, "pglite");
    const holder = await holdInAnotherProcess(dataDir);
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    expect(readdirSync(root)).toContain("pglite.lock"); // what the dead holder left says nothing any more
    await lock(dataDir);
  });

  it("is one lock for every spelling of one directory (relative, with .., through a symlink)", async () => {
    const root = newRoot();
    const dataDir = path.join(root, "data", "pglite");
    mkdirSync(dataDir, { recursive: true });
    symlinkSync(path.join(root, "data"), path.join(root, "link"));
    await lock(dataDir);
    await inUseError(lockDataDirectory(path.join(root, "link", "pglite")));
    await inUseError(lockDataDirectory(path.join(root, "data", "..", "data", "pglite")));
    await inUseError(lockDataDirectory(path.relative(process.cwd(), dataDir)));
    await lock(path.join(root, "data", "other"));
  });
});
