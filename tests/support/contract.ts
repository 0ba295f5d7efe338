import { dereference } from "@readme/openapi-parser";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenAPIV3_1 } from "openapi-types";

// Checks real HTTP exchanges against the OpenAPI document: status, declared headers, body. Used by the Playwright
// fixtures on every response a test receives, and by the report of what no test exercised.

/** A response and the request that got it, as the checker needs them. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The test attachment in which the Playwright fixtures hand the outcomes a test exercised to the coverage report. */
export const CONTRACT_OUTCOMES_ATTACHMENT = "contract-outcomes";

export class ContractViolation extends Error {
  override name = "ContractViolation";
}

type Document = OpenAPIV3_1.Document & { "x-delegated-paths"?: Record<string, string> };
type Method = (typeof METHODS)[number];

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/**
 * The responses the document gives, in `components/responses`, to requests that no operation describes; its
 * description says which request gets which, in the order `fallbackFor` tries them.
 */
const FALLBACK_RESPONSES = {
  malformedPath: "BadRequest",
  dotSegment: "NotFound",
  nonCanonicalPath: "CanonicalPathRedirect",
  unknownRoute: "NotFound",
  otherMethod: "MethodNotAllowed",
} as const;
// The fallbacks, named as outcomes are: method, path, status.
const otherMethodsOutcome = (template: string) => `(other methods) ${template} 405`;
const MALFORMED_PATH_OUTCOME = "(any method) (a segment not valid percent-encoding) 400";
const CANONICAL_PATH_OUTCOME = "(any method) (a path with //, \\ or a trailing /) 308";
const UNKNOWN_ROUTE_OUTCOME = "(any method) (other /api paths) 404";

export interface Operation {
  /** Upper case, as on the wire. */
  method: string;
  template: string;
  operation: OpenAPIV3_1.OperationObject;
}

interface PathTemplate {
  template: string;
  item: OpenAPIV3_1.PathItemObject;
  segments: Array<string | null>; // null: a {parameter}
}

interface Expectation {
  /** How the outcome is named in reports: method, path template, status. */
  outcome: string;
  response: OpenAPIV3_1.ResponseObject;
  /** For a 405: the methods the path serves, which `Allow` must list. */
  allowed?: string[];
  /** For a 308: where `Location` must point. */
  location?: string;
}

export class Contract {
  private readonly paths: PathTemplate[];
  private readonly ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  private readonly validators = new WeakMap<object, ValidateFunction>();

  private constructor(private readonly document: Document) {
    this.paths = Object.entries(document.paths ?? {})
      .map(([template, item]) => ({
        template,
        item: item!,
        segments: template.split("/").map((segment) => (/^\{.+\}$/.test(segment) ? null : segment)),
      }))
      // As Next.js routes: where two templates match, the one with a fixed segment earlier wins.
      .sort((a, b) => specificity(b.segments).localeCompare(specificity(a.segments)));
  }

  /** The document with its references resolved, ready to check against. */
  static async of(document: object): Promise<Contract> {
    return new Contract(await dereference(structuredClone(document) as OpenAPIV3_1.Document));
  }

  /** Every operation of the document, in its order. */
  operations(): Operation[] {
    return Object.entries(this.document.paths ?? {}).flatMap(([template, item]) =>
      operationsOf(item!).map(([method, operation]) => ({ method: method.toUpperCase(), template, operation })),
    );
  }

  /** Every outcome the document describes: each operation's statuses, and its fallbacks. */
  outcomes(): string[] {
    const operations = this.operations().flatMap(({ method, template, operation }) =>
      Object.keys(operation.responses ?? {}).map((status) => `${method} ${template} ${status}`),
    );
    const otherMethods = Object.keys(this.document.paths ?? {}).map(otherMethodsOutcome);
    const delegated = Object.keys(this.document["x-delegated-paths"] ?? {}).map((prefix) => `(delegated) ${prefix}`);
    const anyPath = [MALFORMED_PATH_OUTCOME, CANONICAL_PATH_OUTCOME, UNKNOWN_ROUTE_OUTCOME];
    return [...operations, ...otherMethods, ...anyPath, ...delegated];
  }

  /** Checks an exchange; returns the outcome it exercised, or throws a ContractViolation naming every departure. */
  check(exchange: Exchange): string {
    const delegated = this.delegatedOutcome(exchange);
    if (delegated) return delegated;
    const expectation = this.expectationFor(exchange);
    const problems = [...this.headerProblems(exchange, expectation), ...this.bodyProblems(exchange, expectation)];
    if (problems.length > 0) {
      throw new ContractViolation(
        `${summarize(exchange)} departs from the OpenAPI document (${expectation.outcome}):\n` +
          problems.map((problem) => `  - ${problem}`).join("\n"),
      );
    }
    return expectation.outcome;
  }

  /** The outcome for a path the document hands to another component (x-delegated-paths), if it is one. */
  delegatedOutcome(exchange: Exchange): string | undefined {
    const { path } = targetOf(exchange.url);
    const prefix = Object.keys(this.document["x-delegated-paths"] ?? {}).find((candidate) =>
      path.startsWith(candidate),
    );
    return prefix && `(delegated) ${prefix}`;
  }

  private expectationFor(exchange: Exchange): Expectation {
    const { path, query } = targetOf(exchange.url);
    const canonical = path
      .replace(/\\/g, "/")
      .replace(/\/{2,}/g, "/")
      .replace(/(.)\/$/, "$1");
    if (canonical !== "/api" && !canonical.startsWith("/api/")) {
      throw new ContractViolation(`${summarize(exchange)}: the document covers /api only`);
    }
    // Requests no operation describes, in the order the document's description gives.
    if (!path.split(/[/\\]/).every(decodable)) {
      return this.fallback(exchange, MALFORMED_PATH_OUTCOME, FALLBACK_RESPONSES.malformedPath);
    }
    if (path.split(/[/\\]/).some(isDotSegment)) {
      return this.fallback(exchange, UNKNOWN_ROUTE_OUTCOME, FALLBACK_RESPONSES.dotSegment);
    }
    if (canonical !== path) {
      const location = canonical + query;
      return { ...this.fallback(exchange, CANONICAL_PATH_OUTCOME, FALLBACK_RESPONSES.nonCanonicalPath), location };
    }
    const segments = path.split("/");
    const match = this.paths.find((template) => matches(template.segments, segments));
    if (!match) return this.fallback(exchange, UNKNOWN_ROUTE_OUTCOME, FALLBACK_RESPONSES.unknownRoute);
    const method = exchange.method.toLowerCase() as Method;
    // HEAD is answered as GET is, without the body (RFC 9110 §9.3.2).
    const operation = match.item[method] ?? (method === "head" ? match.item.get : undefined);
    if (!operation) {
      const allowed = operationsOf(match.item).flatMap(([served]) =>
        served === "get" ? ["GET", "HEAD"] : [served.toUpperCase()],
      );
      const outcome = otherMethodsOutcome(match.template);
      return { ...this.fallback(exchange, outcome, FALLBACK_RESPONSES.otherMethod), allowed };
    }
    const status = String(exchange.status);
    const responses = operation.responses ?? {};
    const response = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (!response) {
      throw new ContractViolation(
        `${summarize(exchange)}: the document lists only ${Object.keys(responses).join(", ")} for ` +
          `${exchange.method} ${match.template}`,
      );
    }
    return {
      outcome: `${exchange.method} ${match.template} ${status}`,
      response: response as OpenAPIV3_1.ResponseObject,
    };
  }

  /** A fallback describes one status only, the one its outcome ends with. */
  private fallback(exchange: Exchange, outcome: string, name: string): Expectation {
    if (!outcome.endsWith(` ${exchange.status}`)) {
      throw new ContractViolation(`${summarize(exchange)}: the document describes nothing else here: ${outcome}`);
    }
    const response = this.document.components?.responses?.[name];
    if (!response) throw new ContractViolation(`the document has no components/responses/${name}`);
    return { outcome, response: response as OpenAPIV3_1.ResponseObject };
  }

  private headerProblems(exchange: Exchange, { response, allowed, location }: Expectation): string[] {
    const problems = Object.entries(response.headers ?? {}).flatMap(([name, header]) => {
      const { required, schema } = header as OpenAPIV3_1.HeaderObject;
      const value = exchange.headers[name.toLowerCase()];
      if (value === undefined) return required ? [`header ${name} is missing`] : [];
      return schema ? this.schemaProblems(schema, asSchemaValue(value, schema), `header ${name}: ${value}`) : [];
    });
    if (allowed) {
      const sent = (exchange.headers["allow"] ?? "").split(",").map((method) => method.trim());
      if ([...sent].sort().join() !== [...allowed].sort().join()) {
        problems.push(`Allow lists ${sent.join(", ")}, but the document lists ${allowed.join(", ")} for this path`);
      }
    }
    if (location !== undefined && exchange.headers["location"] !== location) {
      problems.push(`Location is ${exchange.headers["location"]}, not ${location}: the same path written canonically`);
    }
    return problems;
  }

  private bodyProblems(exchange: Exchange, { response }: Expectation): string[] {
    const content = response.content;
    const hasBody = exchange.body.length > 0;
    if (!content || exchange.method.toUpperCase() === "HEAD") {
      return hasBody ? [`the document describes no body, but ${exchange.body.length} bytes came`] : [];
    }
    const mediaType = (exchange.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const described = content[mediaType];
    if (!described) return [`Content-Type ${mediaType || "(none)"} is not one of ${Object.keys(content).join(", ")}`];
    if (!/^application\/(.+\+)?json$/.test(mediaType) || !described.schema) return [];
    let body: unknown;
    try {
      body = JSON.parse(exchange.body.toString("utf8"));
    } catch {
      return [`the body is not JSON: ${exchange.body.toString("utf8").slice(0, 200)}`];
    }
    return this.schemaProblems(described.schema, body, "body");
  }

  private schemaProblems(schema: object, value: unknown, what: string): string[] {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.validators.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.params.additionalProperty as string | undefined;
      return `${what}${error.instancePath} ${error.message}${extra ? `: ${extra}` : ""}`;
    });
  }
}

function operationsOf(item: OpenAPIV3_1.PathItemObject): Array<[Method, OpenAPIV3_1.OperationObject]> {
  return METHODS.flatMap((method) =>
    item[method] ? [[method, item[method]] as [Method, OpenAPIV3_1.OperationObject]] : [],
  );
}

/**
 * The path and query of a URL exactly as sent: WHATWG URL parsing would resolve dot segments and re-encode what the
 * document gives a meaning to.
 */
function targetOf(url: string): { path: string; query: string } {
  const target = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").replace(/#.*$/, "");
  const queryAt = target.indexOf("?");
  return queryAt < 0 ? { path: target, query: "" } : { path: target.slice(0, queryAt), query: target.slice(queryAt) };
}

function decodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

const isDotSegment = (segment: string) => /^(\.|%2e){1,2}$/i.test(segment);

const specificity = (segments: Array<string | null>) =>
  segments.map((segment) => (segment === null ? "0" : "1")).join("");

/** Whether a path's segments, as sent, fit a template's: a fixed segment must be sent as written (the API's routes do not decode `%68ealth` to `health`). */
const matches = (template: Array<string | null>, segments: string[]) =>
  template.length === segments.length &&
  template.every((segment, i) => (segment === null ? segments[i] !== "" : segment === segments[i]));

/** Header values are text; a header whose schema is a number is checked as the number it spells. */
function asSchemaValue(value: string, schema: OpenAPIV3_1.SchemaObject | OpenAPIV3_1.ReferenceObject): unknown {
  const type = "type" in schema ? schema.type : undefined;
  return (type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
}

function summarize({ method, url, status, body }: Exchange): string {
  const { path, query } = targetOf(url);
  return `${method} ${path}${query} → ${status} ${body.toString("utf8").slice(0, 300)}`;
}
