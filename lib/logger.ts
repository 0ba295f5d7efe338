import pino, { type Logger } from "pino";
import { getEnv } from "./env";

// One JSON object per line on stdout: what Vercel's log drains and `next start` behind any collector expect.

let logger: Logger | undefined;

/** The process's logger, created on first use: configuration is read at run time, never at build time. */
export function getLogger(): Logger {
  logger ??= pino({
    level: getEnv().logLevel,
    // pid and hostname say nothing on a serverless platform, whose own log records carry the instance.
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return logger;
}
