import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

// The root layout of the app's own pages (the API under app/api has none: route handlers render no HTML).

export const metadata: Metadata = {
  title: "Tasks",
  description: "A todo list: add, edit, complete and find your tasks.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f8fafc" },
    { media: "(prefers-color-scheme: dark)", color: "#020617" },
  ],
};

export default function AppLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-dvh bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        {children}
      </body>
    </html>
  );
}
