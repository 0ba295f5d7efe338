"use client";

import { useEffect, useState, type MouseEvent } from "react";
import { SEARCH_MAX_LENGTH, searchOfView, SORT_CHOICES, STATUSES, type View } from "@/lib/client/view";
import { field } from "./styles";

/** How long typing must pause before the search is sent. */
const SEARCH_DEBOUNCE_MILLISECONDS = 300;

const STATUS_LABELS = { all: "All", pending: "Pending", completed: "Completed" } as const;

/**
 * Filter, search and sort. The filters are links to their URL (open in a new tab, copy, share); a plain click
 * changes the view in place.
 */
export function ViewControls({
  view,
  onChange,
}: {
  view: View;
  /** Moves to the view `change` makes of the view the URL shows when it is called. */
  onChange: (change: (current: View) => View, options: { replace: boolean }) => void;
}) {
  const [query, setQuery] = useState(view.q);
  // Back, forward or a filter link change the URL's q: the field follows (React's "adjusting state when a prop
  // changes", during render).
  const [shownQ, setShownQ] = useState(view.q);
  if (shownQ !== view.q) {
    setShownQ(view.q);
    if (query.trim() !== view.q) setQuery(view.q);
  }
  useEffect(() => {
    const q = query.trim();
    if (q === view.q) return;
    // The search goes into the view the URL has when the timer fires, not the one rendered when it was set: a filter
    // link clicked meanwhile has changed the URL already, and React may not have rendered it yet.
    const timer = setTimeout(
      () => onChange((current) => ({ ...current, q }), { replace: true }),
      SEARCH_DEBOUNCE_MILLISECONDS,
    );
    return () => clearTimeout(timer);
  }, [query, view.q, onChange]);

  const follow = (event: MouseEvent<HTMLAnchorElement>, next: View) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    event.preventDefault();
    onChange(() => next, { replace: false });
  };

  return (
    <div className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-end">
      <nav aria-label="Show" className="sm:mr-auto">
        <ul className="flex gap-1 rounded-lg bg-slate-200 p-1 dark:bg-slate-800">
          {STATUSES.map((status) => {
            const next = { ...view, status };
            const current = view.status === status;
            return (
              <li key={status} className="flex-1">
                <a
                  href={`/${searchOfView(next)}`}
                  aria-current={current ? "page" : undefined}
                  onClick={(event) => follow(event, next)}
                  className={`block rounded-md px-3 py-1.5 text-center text-sm font-medium ${
                    current
                      ? "bg-white text-slate-950 shadow-sm dark:bg-slate-950 dark:text-white"
                      : "text-slate-700 hover:text-slate-950 dark:text-slate-300 dark:hover:text-white"
                  }`}
                >
                  {STATUS_LABELS[status]}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="grid grid-cols-2 gap-2 sm:flex">
        <div className="min-w-0 sm:w-56">
          <label htmlFor="search" className="mb-1 block text-sm font-medium">
            Search
          </label>
          <input
            id="search"
            type="search"
            className={`${field} h-10 py-1.5`}
            placeholder="Title or description"
            maxLength={SEARCH_MAX_LENGTH}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </div>
        <div className="min-w-0">
          <label htmlFor="sort" className="mb-1 block text-sm font-medium">
            Sort
          </label>
          <select
            id="sort"
            className={`${field} h-10 py-1.5`}
            value={`${view.sort}:${view.order}`}
            onChange={(event) => {
              const choice = SORT_CHOICES.find((c) => `${c.sort}:${c.order}` === event.target.value);
              if (choice) onChange(() => ({ ...view, sort: choice.sort, order: choice.order }), { replace: false });
            }}
          >
            {SORT_CHOICES.map((choice) => (
              <option key={`${choice.sort}:${choice.order}`} value={`${choice.sort}:${choice.order}`}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
      </div>
    </div>
  );
}
