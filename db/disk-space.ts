// Whether the embedded database has disk space for writes: noted when a write fails for want of it, checked by health.
import { statfsSync } from "node:fs";
import { getEnv } from "../lib/env";

// The embedded database's last write refused for want of disk space, and the space free then: health reports the disk
// full until more than DISK_FREED_BYTES has been freed since. (PostgreSQL's disk is not this process's to look at.)
let diskFull: { freeBytes: number } | undefined;
const DISK_FREED_BYTES = 1024 * 1024;

function freeBytes(dataDir: string): number | undefined {
  try {
    const stats = statfsSync(dataDir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/**
 * Records that a write failed with disk_full (SQLSTATE 53100), so that health says so: called by whoever classifies
 * the failure (lib/http's toApiError). Does nothing for a PostgreSQL server, whose disk health cannot see.
 */
export function noteDiskFull(): void {
  const config = getEnv().database;
  if (config.driver !== "pglite" || config.dataDir.includes("://")) return;
  diskFull = { freeBytes: freeBytes(config.dataDir) ?? 0 };
}

/** Whether the embedded database's disk is still as full as when a write last failed for want of space. */
export function stillDiskFull(): boolean {
  const config = getEnv().database;
  if (!diskFull || config.driver !== "pglite") return false;
  const free = freeBytes(config.dataDir);
  if (free !== undefined && free > diskFull.freeBytes + DISK_FREED_BYTES) diskFull = undefined;
  return diskFull !== undefined;
}
