import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWK } from "jose";
import { loopback } from "../ports";

/**
 * A JWKS endpoint on the loopback interface that the tests control: it serves `keys`, hangs or is down, and records
 * every request it receives (any path), so a test can prove what the API fetched, and what it never did.
 */
export class JwksServer {
  keys: JWK[] = [];
  mode: "serve" | "hang" = "serve";
  readonly requests: { method: string; url: string }[] = [];
  #server: Server | undefined;
  #port: number;

  /** On `port`, or on a free port of the kernel's choosing when it is 0 (read `port` and `url` once started). */
  constructor(
    port = 0,
    readonly path = "/jwks.json",
  ) {
    this.#port = port;
  }

  /** The port it listens on once started; the same port again after a restart. */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `${loopback(this.port)}${this.path}`;
  }

  /** Requests for the JWKS path (the API's fetches). */
  get fetches(): number {
    return this.requests.filter((request) => request.url === this.path).length;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      this.requests.push({ method: request.method ?? "", url: request.url ?? "" });
      if (this.mode === "hang") return; // never answers: the API's timeout must fire
      if (request.method !== "GET" || request.url !== this.path) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/jwk-set+json" }).end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", resolve);
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
