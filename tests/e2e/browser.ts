// Which Chromium the browser tests run, or why there is none. Pure, so that the Playwright runner and each of its workers
// come to the same answer.
import { existsSync } from "node:fs";
import { chromium } from "@playwright/test";

const HOW_TO_GET_ONE = "run `npx playwright install chromium`, or point CHROMIUM_PATH at a system Chromium";
// Debian's and Ubuntu's packages; `.ci/run` installs Debian's.
const SYSTEM_CHROMIUMS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** An executable to launch (undefined: Playwright's own download), or why there is none. */
export type ChromiumFound = { executablePath: string | undefined } | { missing: string };

/** CHROMIUM_PATH when set; else a system Chromium; else the one `npx playwright install chromium` downloads. */
export function findChromium(): ChromiumFound {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    return existsSync(configured)
      ? { executablePath: configured }
      : { missing: `no Chromium at CHROMIUM_PATH=${configured}: ${HOW_TO_GET_ONE}` };
  }
  const system = SYSTEM_CHROMIUMS.find((candidate) => existsSync(candidate));
  if (system) return { executablePath: system };
  if (existsSync(chromium.executablePath())) return { executablePath: undefined };
  return { missing: `no Chromium found: ${HOW_TO_GET_ONE}` };
}

const found = findChromium();

/** launchOptions.executablePath for the config: with no Chromium, Playwright's own, whose absence it reports itself. */
export const CHROMIUM_EXECUTABLE = "executablePath" in found ? found.executablePath : process.env.CHROMIUM_PATH;

/**
 * Why the browser tests are skipped on this machine, or undefined when they run. Never skipped in CI (`CI` set), which
 * must run them: there a missing browser fails them.
 */
export const BROWSER_SKIP_REASON = "missing" in found && !process.env.CI ? found.missing : undefined;
