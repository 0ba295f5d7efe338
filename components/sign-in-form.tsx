"use client";

import { useState, useSyncExternalStore, type FormEvent } from "react";
import { clearExpiredSession, expiredSession, unchanging } from "@/lib/client/drafts";

/**
 * next-auth's credentials sign-in: a user id and a password (any password outside production). On success the page
 * reloads as it is, URL included, so the same view and any saved drafts come back.
 */
export function SignInForm({ passwordRequired }: { passwordRequired: boolean }) {
  // sessionStorage exists only in the browser: the server, and hydration, render without it.
  const expired = useSyncExternalStore(unchanging, expiredSession, () => null) || null;
  // null until the person types: the user id whose session expired fills the field meanwhile.
  const [typedUserId, setUserId] = useState<string | null>(null);
  const userId = typedUserId ?? expired ?? "";
  const [password, setPassword] = useState("");
  const [state, setState] = useState<{ phase: "idle" | "sending" } | { phase: "failed"; message: string }>({
    phase: "idle",
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setState({ phase: "sending" });
    // next-auth's client is loaded when it is needed, not with the page: it would be an eighth of the page's JavaScript.
    const result = await import("next-auth/react")
      .then(({ signIn }) => signIn("credentials", { redirect: false, userId: userId.trim(), password }))
      .catch(() => undefined);
    if (result?.ok && !result.error) {
      clearExpiredSession();
      window.location.reload();
      return;
    }
    setState({
      phase: "failed",
      message: result
        ? passwordRequired
          ? "That user id and password did not work."
          : "That user id did not work: use 1 to 255 characters."
        : "The server could not be reached. Check your connection and try again.",
    });
  }

  const field =
    "block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-base text-slate-900 placeholder:text-slate-500 dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-400";
  return (
    <form
      onSubmit={(event) => void submit(event)}
      aria-labelledby="sign-in-heading"
      className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <h2 id="sign-in-heading" className="text-xl font-semibold">
        Sign in
      </h2>
      {expired !== null && (
        <p
          role="status"
          className="rounded-md bg-blue-50 p-3 text-sm text-blue-950 dark:bg-blue-950 dark:text-blue-100"
        >
          Your session has ended. Sign in again to carry on: what you were typing is kept.
        </p>
      )}
      <div className="space-y-1">
        <label htmlFor="sign-in-user" className="block text-sm font-medium">
          User id
        </label>
        <input
          id="sign-in-user"
          name="userId"
          className={field}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={255}
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
        />
      </div>
      <div className="space-y-1">
        <label htmlFor="sign-in-password" className="block text-sm font-medium">
          Password
        </label>
        <input
          id="sign-in-password"
          name="password"
          type="password"
          className={field}
          autoComplete="current-password"
          required={passwordRequired}
          aria-describedby={passwordRequired ? undefined : "sign-in-password-hint"}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        {!passwordRequired && (
          <p id="sign-in-password-hint" className="text-sm text-slate-600 dark:text-slate-400">
            This server is in development mode: any password works.
          </p>
        )}
      </div>
      {state.phase === "failed" && (
        <p role="alert" className="text-sm font-medium text-red-700 dark:text-red-300">
          {state.message}
        </p>
      )}
      <button
        type="submit"
        disabled={state.phase === "sending"}
        className="w-full rounded-md bg-blue-700 px-4 py-2 font-semibold text-white hover:bg-blue-800 disabled:opacity-70 dark:bg-blue-400 dark:text-slate-950 dark:hover:bg-blue-300"
      >
        {state.phase === "sending" ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
