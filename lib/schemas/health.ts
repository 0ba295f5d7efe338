import { z } from "zod";

export const HealthReport = z.object({
  status: z.enum(["ok", "unavailable"]),
  /**
   * `not_migrated`: the database answers but lacks some of the app's committed migrations (`npm run db:migrate`).
   * `disk_full`: the embedded database answers, but a write failed for want of disk space and none has been freed since.
   */
  database: z.enum(["ok", "unreachable", "not_migrated", "disk_full"]),
});
export type HealthReport = z.infer<typeof HealthReport>;
