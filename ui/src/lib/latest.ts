// Screens that ask the core again whenever a filter changes (a search per keystroke, a statement
// per rep) can get the answers back in any order; only the latest request's answer may be drawn,
// or a slow earlier answer replaces the one the user asked for last.
import { useRef } from "react";

export type Latest = <T>(request: Promise<T>, apply: (value: T) => void, fail?: (error: { message: string }) => void) => void;

/** `latest(request, apply, fail?)`: `apply` (or `fail`) runs only when no newer request was made
 * through the same `latest` since this one. */
export function latestOnly(): Latest {
  let generation = 0;
  return (request, apply, fail) => {
    const mine = ++generation;
    request.then(
      (value) => { if (mine === generation) apply(value); },
      (error: { message: string }) => { if (mine === generation) fail?.(error); },
    );
  };
}

/** One `latestOnly` for the life of the component (stable: safe in effect dependencies). */
export function useLatest(): Latest {
  const latest = useRef<Latest | null>(null);
  if (!latest.current) latest.current = latestOnly();
  return latest.current;
}
