import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";
import type { Operation } from "../../support/contract";

// What the OpenAPI document says a request deserves, read from the document alone (its schemas, and the rules its
// descriptions state): whether the request's input is valid. The fuzz test holds the server to it both ways: input the
// document refuses must be refused (400, 413 or 415), and input it accepts must not be.

/** A request as it went on the wire. */
export interface SentRequest {
  method: string;
  /** The request target: path and query, percent-encoded as sent. */
  target: string;
  /** Header names in lower case; values as Node.js delivers them (surrounding whitespace trimmed). */
  headers: Record<string, string>;
  body?: Buffer;
}

/** Where the document states the body limit: the 413's description. */
const MAX_BODY_BYTES_DESCRIBED = /over (\d+) bytes/;

export class InputOracle {
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: false }));
  private readonly validators = new WeakMap<object, ValidateFunction>();
  private readonly maxBodyBytes: number;

  constructor(document: OpenAPIV3_1.Document) {
    const described = (document.components?.responses?.PayloadTooLarge as OpenAPIV3_1.ResponseObject | undefined)
      ?.description;
    this.maxBodyBytes = Number(MAX_BODY_BYTES_DESCRIBED.exec(described ?? "")?.[1]);
    if (!Number.isFinite(this.maxBodyBytes)) throw new Error("the document does not state the body limit");
  }

  /** Why the document refuses this request's input, or undefined when it accepts it. */
  refusal(operation: Operation, pathValues: Record<string, string>, request: SentRequest): string | undefined {
    const parameters = (operation.operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
    for (const parameter of parameters.filter((p) => p.in === "path")) {
      const value = pathValues[parameter.name];
      if (value === undefined || !this.accepts(parameter.schema as OpenAPIV3_1.SchemaObject, value))
        return `path ${parameter.name}`;
    }
    const query = new URLSearchParams(
      request.target.includes("?") ? request.target.slice(request.target.indexOf("?")) : "",
    );
    for (const parameter of parameters.filter((p) => p.in === "query")) {
      const values = query.getAll(parameter.name);
      // A scalar parameter has one value: the list operation's description says a second is a 400.
      if (values.length > 1) return `query ${parameter.name} given twice`;
      if (values.length === 1 && !this.accepts(parameter.schema as OpenAPIV3_1.SchemaObject, values[0]!))
        return `query ${parameter.name}`;
      if (values.length === 1 && parameter.name === "cursor") return "a cursor this API did not issue";
    }
    for (const parameter of parameters.filter((p) => p.in === "header")) {
      const value = request.headers[parameter.name.toLowerCase()];
      if (value !== undefined && !this.accepts(parameter.schema as OpenAPIV3_1.SchemaObject, value))
        return `header ${parameter.name}`;
    }
    const requestBody = operation.operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
    if (requestBody) return this.bodyRefusal(requestBody, request);
    return undefined;
  }

  private bodyRefusal(requestBody: OpenAPIV3_1.RequestBodyObject, request: SentRequest): string | undefined {
    const body = request.body ?? Buffer.alloc(0);
    if (body.length === 0) return requestBody.required ? "no body" : undefined;
    if (body.length > this.maxBodyBytes) return "a body over the limit";
    // JSON is UTF-8 (RFC 8259 §8.1): a charset parameter, if any, must say so.
    const [mediaType = "", ...parameters] = (request.headers["content-type"] ?? "")
      .split(";")
      .map((part) => part.trim());
    const described = requestBody.content[mediaType.toLowerCase()];
    if (!described) return `media type ${mediaType || "(none)"}`;
    const charset = parameters.find((parameter) => /^charset=/i.test(parameter));
    if (charset !== undefined && !/^charset="?utf-8"?$/i.test(charset)) return `charset ${charset}`;
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch {
      return "a body that is not JSON in UTF-8";
    }
    if (!this.validator(described.schema!)(value)) return "a body its schema refuses";
    // The rule the schemas' descriptions state and no pattern can: no unpaired surrogate in any string.
    if (!wellFormed(value)) return "a string with an unpaired surrogate";
    return undefined;
  }

  /** A value as it arrives in a path, query or header: text, which an integer schema takes in its canonical form. */
  private accepts(schema: OpenAPIV3_1.SchemaObject, text: string): boolean {
    if (schema.type === "integer") {
      return /^-?(0|[1-9][0-9]*)$/.test(text) && this.validator(schema)(Number(text));
    }
    return this.validator(schema)(text);
  }

  private validator(schema: object): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.validators.set(schema, validate);
    }
    return validate;
  }
}

function wellFormed(value: unknown): boolean {
  if (typeof value === "string") return value.isWellFormed();
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value && typeof value === "object") {
    return Object.entries(value).every(([key, field]) => key.isWellFormed() && wellFormed(field));
  }
  return true;
}

/** The strong entity tags an `If-Match` value lists (RFC 9110 §8.8.3, §5.6.1), or undefined when it is `*` or absent. */
export function strongTagsOf(ifMatch: string | undefined): string[] | undefined {
  if (ifMatch === undefined || ifMatch === "*") return undefined;
  const tags: string[] = [];
  const tag = /(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/y; // a tag may hold commas: read it whole
  let at = 0;
  const skipSpace = () => {
    while (ifMatch[at] === " " || ifMatch[at] === "\t") at++;
  };
  while (at < ifMatch.length) {
    skipSpace();
    if (ifMatch[at] === ",") {
      at++; // an empty list element, which recipients accept
      continue;
    }
    if (at === ifMatch.length) break;
    tag.lastIndex = at;
    const member = tag.exec(ifMatch);
    if (!member) return []; // not a list of entity tags: nothing matches
    if (!member[1]) tags.push(member[2]!);
    at = tag.lastIndex;
    skipSpace();
    if (at < ifMatch.length && ifMatch[at] !== ",") return [];
    at++;
  }
  return tags;
}
