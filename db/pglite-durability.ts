// PGlite starts PostgreSQL with fsync off (`-F`), and the Emscripten filesystem it runs on in Node.js (NODEFS) has no
// fsync: an acknowledged write survives the process being killed (it is in the kernel's page cache) but not an OS crash
// or a power cut. PGlite 0.5 has no option for it (`relaxedDurability` is about its browser stores), so the embedded
// database turns it on itself: PostgreSQL's own fsync calls (the WAL at each commit, the data files at each checkpoint)
// are made to reach the disk. Measured on this project's machine: 300 single-row inserts took 1.3 to 2 times as long
// (about 2 to 11 ms more per write, on a shared virtual disk).
import { fsyncSync } from "node:fs";

/** PGlite's start parameters with fsync on, and the WAL flushed with fsync(): its fdatasync() does nothing. */
export function durableStartParams(defaults: readonly string[]): string[] {
  return [...defaults.filter((parameter) => parameter !== "-F"), "-c", "wal_sync_method=fsync"];
}

interface EmscriptenFs {
  lookupPath(path: string): { node: { stream_ops?: Record<string, unknown> } };
}

/**
 * Gives PGlite's Node.js filesystem the fsync it lacks, so that PostgreSQL's fsync() calls reach the disk. `client` is
 * an open PGlite on a directory (not in memory). Returns false, changing nothing, where this PGlite is not built as
 * expected (a newer version may change its internals): the caller then says the data is not synced.
 */
export function syncWritesToDisk(client: object): boolean {
  try {
    const fs = (client as { mod?: { FS?: EmscriptenFs } }).mod?.FS;
    // Every file of the data directory shares NODEFS's one table of stream operations.
    const operations = fs?.lookupPath("/pglite/data/PG_VERSION").node.stream_ops;
    if (!operations) return false;
    operations.fsync ??= (stream: { nfd?: number }) => {
      if (stream.nfd !== undefined) fsyncSync(stream.nfd);
      return 0;
    };
    return true;
  } catch {
    return false;
  }
}
