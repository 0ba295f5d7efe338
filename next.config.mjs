/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Loaded from node_modules at run time rather than bundled: PGlite ships WebAssembly and data files,
  // and the Neon driver's WebSocket dependency has optional native add-ons.
  serverExternalPackages: ["@electric-sql/pglite", "@neondatabase/serverless", "ws"],
};

export default nextConfig;
