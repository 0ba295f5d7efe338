// Loads .env files exactly as Next.js does (its own @next/env, not a copy), so that every script, test and benchmark
// sees the configuration the server sees. Import it first. Variables already in the environment always win.
import nextEnv from "@next/env";

const projectDir = new URL("..", import.meta.url).pathname;
// `next dev` reads .env.development*, `next start` .env.production*; .env.local and .env in both. NODE_ENV=test reads
// .env.test* and .env, as Next.js does under test.
nextEnv.loadEnvConfig(projectDir, process.env.NODE_ENV !== "production", { info: () => {}, error: console.error });
