// A process that holds an embedded database's data directory lock until it is killed: `tsx hold-data-dir.ts <dir>`.
// Prints "locked" once it holds it.
import { lockDataDirectory } from "../../db/data-dir-lock";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: hold-data-dir.ts <dataDir>");
await lockDataDirectory(dataDir);
console.log("locked");
setInterval(() => {}, 60_000);
