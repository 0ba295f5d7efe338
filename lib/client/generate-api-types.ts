import { readFile } from "node:fs/promises";
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

// Build-time only (scripts/api-client-types.ts and its staleness test): never imported by the page.

/** The committed OpenAPI document the page's client is typed from. */
export const OPENAPI_DOCUMENT = new URL("../../openapi.json", import.meta.url);
/** Where the generated types are committed. */
export const API_TYPES_FILE = new URL("./api-types.ts", import.meta.url);

/** The TypeScript types openapi-typescript generates from the committed openapi.json, as the committed file holds them. */
export async function generateApiTypes(): Promise<string> {
  const document = JSON.parse(await readFile(OPENAPI_DOCUMENT, "utf8")) as OpenAPI3;
  const ast = await openapiTS(document, { alphabetize: false });
  return COMMENT_HEADER + astToString(ast);
}
