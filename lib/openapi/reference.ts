import { readFile } from "node:fs/promises";
import path from "node:path";
import { notFound } from "../http/errors";

// The interactive API reference at /api/docs: Swagger UI, whose scripts and styles this app serves itself from the
// swagger-ui-dist package, so the page works with no internet and asks no other host for anything.

export const REFERENCE_ASSETS_PATH = "/api/docs/assets";
const OPENAPI_DOCUMENT_PATH = "/api/openapi.json";

const STARTUP_SCRIPT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_DOCUMENT_PATH)},
    dom_id: "#reference",
    deepLinking: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    // The validity badge would send this document to validator.swagger.io.
    validatorUrl: null,
  });
});
`;

type Asset = { contentType: string } & ({ packageFile: string } | { text: string });

const ASSETS = {
  "swagger-ui.css": { contentType: "text/css; charset=utf-8", packageFile: "swagger-ui.css" },
  "swagger-ui-bundle.js": { contentType: "text/javascript; charset=utf-8", packageFile: "swagger-ui-bundle.js" },
  "reference.js": { contentType: "text/javascript; charset=utf-8", text: STARTUP_SCRIPT },
} satisfies Record<string, Asset>;
type AssetName = keyof typeof ASSETS;
export const REFERENCE_ASSET_NAMES = Object.keys(ASSETS) as [AssetName, ...AssetName[]];

const assetUrl = (name: AssetName) => `${REFERENCE_ASSETS_PATH}/${name}`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tasks API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("swagger-ui.css")}">
</head>
<body>
<div id="reference"></div>
<script src="${assetUrl("swagger-ui-bundle.js")}"></script>
<script src="${assetUrl("reference.js")}"></script>
</body>
</html>
`;

// The browser enforces what the page promises: scripts, styles and requests from this origin only. Swagger UI sets
// inline styles, and draws some icons from data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function referencePage(): Response {
  return new Response(PAGE, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CONTENT_SECURITY_POLICY },
  });
}

// A path the build can see, so that its output file trace carries the package's files along.
const packageFilePath = (file: string) => path.join(process.cwd(), "node_modules", "swagger-ui-dist", file);

const loaded = new Map<AssetName, Promise<string>>();

function assetText(name: AssetName): Promise<string> {
  let text = loaded.get(name);
  if (!text) {
    const asset: Asset = ASSETS[name];
    text = "text" in asset ? Promise.resolve(asset.text) : readFile(packageFilePath(asset.packageFile), "utf8");
    loaded.set(name, text);
    text.catch(() => loaded.delete(name));
  }
  return text;
}

const isAssetName = (name: string): name is AssetName => Object.hasOwn(ASSETS, name);

export async function referenceAsset(name: string): Promise<Response> {
  if (!isAssetName(name)) throw notFound("no such file");
  return new Response(await assetText(name), { headers: { "Content-Type": ASSETS[name].contentType } });
}
