import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// PGlite is PostgreSQL in single-user mode: two processes on one data directory destroy it, and PGlite takes no lock of
// its own. This is the lock, held by the kernel rather than by a file's age: a listening local socket whose address is
// derived from the directory's real path. Binding it is atomic, a second bind fails with EADDRINUSE, and the kernel
// closes it when the process ends, however it ends (kill -9 included), so a crashed holder never leaves a stale lock.
//
// Why not a lock-file library (proper-lockfile and the like): their liveness is an mtime refreshed by a timer, and PGlite
// runs on the main thread, blocking the event loop for seconds at a time (initdb took 17-20 s on a loaded machine). A
// healthy holder would look stale and be taken over: exactly the corruption this lock exists to prevent.

/** Who holds a data directory, as its holder recorded it beside the directory. */
export interface DataDirectoryHolder {
  pid: number;
  command: string;
  since: string;
}

/** Another process (or another handle in this one) has the data directory open; nothing was touched. */
export class DataDirectoryInUseError extends Error {
  readonly code = "data_directory_in_use";

  constructor(
    readonly dataDir: string,
    readonly holder: DataDirectoryHolder | undefined,
  ) {
    const who = holder
      ? holder.pid === process.pid
        ? `this process (pid ${holder.pid}) already has it open`
        : `it is in use by process ${holder.pid} (${holder.command}), open since ${holder.since}`
      : "it is in use by another process";
    super(
      `The embedded database at ${dataDir} cannot be opened: ${who}. PGlite allows one process per data directory: ` +
        "stop that process first, or point PGLITE_DATA_DIR (or DATABASE_URL) elsewhere.",
    );
  }
}

export interface DataDirectoryLock {
  /** Releases the lock; the directory may then be opened by another process. Idempotent. */
  release(): Promise<void>;
}

/** The path with symlinks resolved as far as it exists, so that two spellings of one directory share one lock. */
function canonicalPath(dataDir: string): string {
  const absolute = path.resolve(dataDir);
  const missing: string[] = [];
  let existing = absolute;
  while (!existsSync(existing)) {
    missing.unshift(path.basename(existing));
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return path.join(realpathSync(existing), ...missing);
}

/**
 * The socket address for a directory: Linux's abstract namespace (no file at all), a named pipe on Windows, elsewhere
 * a socket file under the temporary directory (socket paths are limited to ~104 bytes, data directory paths are not).
 */
function lockAddress(canonical: string): string {
  const digest = createHash("sha256").update(canonical).digest("hex").slice(0, 32);
  if (process.platform === "linux") return `\0todo-api-pglite-${digest}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\todo-api-pglite-${digest}`;
  return path.join(tmpdir(), `todo-api-pglite-${digest}.sock`);
}

/** Where the holder says who it is: beside the data directory, never inside it (PGlite owns that). */
export const holderFileOf = (canonical: string) => `${canonical}.lock`;

function readHolder(holderFile: string): DataDirectoryHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(holderFile, "utf8")) as DataDirectoryHolder;
    if (!Number.isInteger(holder.pid)) return undefined;
    process.kill(holder.pid, 0); // throws when no such process: a leftover of a crashed holder says nothing
    return holder;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is still the holder.
    if ((error as { code?: unknown }).code === "EPERM")
      return JSON.parse(readFileSync(holderFile, "utf8")) as DataDirectoryHolder;
    return undefined;
  }
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((connection) => connection.end());
    server.once("error", reject);
    server.listen(address, () => {
      server.off("error", reject);
      // The lock must not keep a script's event loop alive once its work is done.
      server.unref();
      resolve(server);
    });
  });
}

/** Whether a socket file left behind answers: on platforms without an abstract namespace, a dead holder leaves one. */
function isAnswering(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Takes the exclusive lock on an embedded database's data directory, at once or not at all.
 *
 * Call it before anything opens or creates the directory. Throws DataDirectoryInUseError, naming the directory and the
 * holding process, when another process (or another handle in this process) holds it; the directory is then untouched.
 * The lock is released by `release()`, or by the kernel when the process exits in any way.
 */
export async function lockDataDirectory(dataDir: string): Promise<DataDirectoryLock> {
  const canonical = canonicalPath(dataDir);
  const address = lockAddress(canonical);
  const holderFile = holderFileOf(canonical);
  let server: Server;
  try {
    server = await listen(address);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
    const isSocketFile = !address.startsWith("\0") && !address.startsWith("\\\\");
    if (!isSocketFile || (await isAnswering(address))) {
      throw new DataDirectoryInUseError(canonical, readHolder(holderFile));
    }
    // A socket file whose process is gone. Two processes starting in the same instant after a crash could both get
    // here; on Linux and Windows, which have no such file, that cannot happen.
    rmSync(address, { force: true });
    server = await listen(address);
  }

  const holder: DataDirectoryHolder = {
    pid: process.pid,
    // The script's name and its arguments: "next start -p 3000", "migrate.ts".
    command: [path.basename(process.argv[1] ?? "node"), ...process.argv.slice(2)].join(" "),
    since: new Date().toISOString(),
  };
  try {
    writeFileSync(holderFile, `${JSON.stringify(holder)}\n`);
  } catch {
    // Only a courtesy to the next opener's error message; the socket is the lock.
  }

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      if (readHolder(holderFile)?.pid === process.pid) rmSync(holderFile, { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
