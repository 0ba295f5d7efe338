import { z } from "zod";

export const HealthReport = z.object({
  status: z.enum(["ok", "unavailable"]),
  database: z.enum(["ok", "unreachable"]),
});
export type HealthReport = z.infer<typeof HealthReport>;
