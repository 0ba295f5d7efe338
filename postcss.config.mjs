// Tailwind CSS v4 through PostCSS, which Next.js runs on every stylesheet it bundles.
const config = {
  plugins: { "@tailwindcss/postcss": {} },
};

export default config;
