import { getServerSession } from "next-auth";
import { connection } from "next/server";
import { SignInForm } from "@/components/sign-in-form";
import { TaskApp } from "@/components/task-app";
import { nextAuthOptions } from "@/lib/auth/next-auth";
import { getEnv } from "@/lib/env";

// `/`: the signed-in user's tasks, or the sign-in form. Everything after this first answer goes through the public API
// from the browser, with next-auth's session cookie.

export default async function HomePage() {
  // Rendered per request, never at build time: who is signed in, and the server's configuration, are run-time facts.
  await connection();
  const options = nextAuthOptions();
  const session = options ? await getServerSession(options) : null;
  const userId = (session?.user as { id?: unknown } | undefined)?.id;
  if (typeof userId === "string") return <TaskApp userId={userId} />;

  const credentials = getEnv().auth.nextAuth?.credentials ?? null;
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col justify-center gap-8 px-4 py-12">
      <header className="space-y-2">
        <h1 className="text-3xl font-bold tracking-tight">Tasks</h1>
        <p className="text-slate-700 dark:text-slate-300">
          A simple todo list: add what you need to do, tick it off when it is done, and find it again from any device.
        </p>
      </header>
      {credentials ? (
        <SignInForm passwordRequired={credentials.password !== null} />
      ) : (
        <p
          role="alert"
          className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
        >
          Signing in is not set up on this server. Its operator can turn it on with AUTH_SECRET and
          AUTH_CREDENTIALS_PASSWORD (see the README).
        </p>
      )}
    </main>
  );
}
