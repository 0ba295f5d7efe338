// npm run first-load-js (after `next build`): the JavaScript a browser loads for the first visit of `/`, raw and
// gzipped. Next.js 16's build no longer prints a "First Load JS" column, so this reads the same build manifests:
// the framework's root chunks plus every chunk the route's HTML names (its layout, page, and Next's built-in
// not-found and error boundaries); the nomodule polyfills, which current browsers skip, are left out.
import { readFile } from "node:fs/promises";
import { runInNewContext } from "node:vm";
import path from "node:path";
import { gzipSync } from "node:zlib";

const dist = path.resolve(".next");
const ROUTE = "/(app)/page";

const buildManifest = JSON.parse(await readFile(path.join(dist, "build-manifest.json"), "utf8")) as {
  rootMainFiles: string[];
};
const manifestFile = path.join(dist, "server/app/(app)/page_client-reference-manifest.js");
// The manifest is a script that assigns globalThis.__RSC_MANIFEST[route].
const sandbox = { __RSC_MANIFEST: {} as Record<string, { entryJSFiles: Record<string, string[]> }> };
runInNewContext(await readFile(manifestFile, "utf8"), { globalThis: sandbox, self: sandbox });
const entries = sandbox.__RSC_MANIFEST[ROUTE]?.entryJSFiles ?? {};
const appEntries = Object.values(entries).flat();

const files = [...new Set([...buildManifest.rootMainFiles, ...appEntries])];
let raw = 0;
let gzip = 0;
for (const file of files) {
  const body = await readFile(path.join(dist, file));
  const zipped = gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gzip += zipped;
  console.log(
    `${(zipped / 1024).toFixed(1).padStart(7)} KB gzip ${(body.length / 1024).toFixed(1).padStart(7)} KB  ${file}`,
  );
}
console.log(
  `${(gzip / 1024).toFixed(1).padStart(7)} KB gzip ${(raw / 1024).toFixed(1).padStart(7)} KB  first-load JS of / (${files.length} files)`,
);
