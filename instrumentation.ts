export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfigurationAtStartup, guardHttpServers, openDatabaseAtStartup } = await import("./lib/startup");
    checkConfigurationAtStartup();
    guardHttpServers();
    openDatabaseAtStartup();
  }
}
