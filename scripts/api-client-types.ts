// npm run api-client-types: regenerates lib/client/api-types.ts from openapi.json (run it after `npm run openapi`).
import { writeFile } from "node:fs/promises";
import { API_TYPES_FILE, generateApiTypes } from "../lib/client/generate-api-types";

await writeFile(API_TYPES_FILE, await generateApiTypes());
console.log(`wrote ${API_TYPES_FILE.pathname}`);
