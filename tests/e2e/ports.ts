// E2E_PORT_BASE lets two checkouts run their HTTP tests side by side on one machine.
const base = Number(process.env.E2E_PORT_BASE ?? 3100);
export const API_PORT = base;
export const OUTAGE_PORT = base + 1;
export const STARTUP_PORT = base + 2;
