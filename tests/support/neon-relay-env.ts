// vitest setup file of the "neon" project, run before each test file: the relay's address, known only once the
// project's globalSetup has started it, is where the file's database connections go.
import { inject } from "vitest";

process.env.DATABASE_WS_PROXY = inject("neonRelayUrl");
