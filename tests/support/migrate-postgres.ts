// Brings TEST_DATABASE_URL's schema up to date once, before the integration files run against it in parallel.
export default async function migratePostgres(): Promise<void> {
  process.env.DATABASE_URL = process.env.TEST_DATABASE_URL;
  const { migrateDatabase } = await import("../../db/client");
  await migrateDatabase();
}
