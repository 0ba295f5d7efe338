import { z } from "zod";

export const HealthReport = z.object({
  status: z.enum(["ok", "unavailable"]),
  /** `not_migrated`: the database answers but lacks some of the app's committed migrations (`npm run db:migrate`). */
  database: z.enum(["ok", "unreachable", "not_migrated"]),
});
export type HealthReport = z.infer<typeof HealthReport>;
