// Tailwind CSS v4 through PostCSS, which Next.js runs on every stylesheet it bundles.
export default {
  plugins: { "@tailwindcss/postcss": {} },
};
