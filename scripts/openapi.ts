// npm run openapi: writes the OpenAPI document the API serves to openapi.json, so reviewers see API changes in diffs.
import { writeFile } from "node:fs/promises";
import { openApiDocument } from "../lib/openapi/document";

/**
 * Characters a reader cannot see (whitespace other than the space, format characters such as U+FEFF) written as JSON
 * escapes, which parse to the same document: the title's pattern lists every character `.trim()` removes.
 */
const visible = (json: string) =>
  json.replace(/[\p{White_Space}\p{Cf}]/gu, (char) =>
    char === " " || char === "\n" ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

const file = new URL("../openapi.json", import.meta.url);
await writeFile(file, `${visible(JSON.stringify(openApiDocument(), null, 2))}\n`);
console.log(`wrote ${file.pathname}`);
