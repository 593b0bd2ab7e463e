import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api';

export interface Loaded<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` whenever `deps` change, abandoning the answer of a previous run that is still in flight. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(deps);
  const shownKey = useRef(key);
  useEffect(() => {
    const ctrl = new AbortController();
    // A reload keeps what is shown until the new answer comes; other inputs never show the previous answer.
    const same = shownKey.current === key;
    shownKey.current = key;
    setState((s) => (same ? { data: s.data, loading: true } : { loading: true }));
    load(ctrl.signal).then(
      (data) => !ctrl.signal.aborted && setState({ data, loading: false }),
      (e: unknown) => !ctrl.signal.aborted && setState({ error: describeError(e), loading: false }),
    );
    return () => ctrl.abort();
  }, [key, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Calls `fn` every `ms` while mounted (and once at once). */
export function useInterval(fn: () => void, ms: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}
