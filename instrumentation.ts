export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfigurationAtStartup, openDatabaseAtStartup } = await import("./lib/startup");
    checkConfigurationAtStartup();
    openDatabaseAtStartup();
  }
}
