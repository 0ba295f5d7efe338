// npm run openapi: writes the OpenAPI document the API serves to openapi.json, so reviewers see API changes in diffs.
import { writeFile } from "node:fs/promises";
import { openApiDocument } from "../lib/openapi/document";

const file = new URL("../openapi.json", import.meta.url);
await writeFile(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
