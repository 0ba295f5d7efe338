export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfigurationAtStartup } = await import("./lib/startup");
    checkConfigurationAtStartup();
  }
}
