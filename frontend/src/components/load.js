import { useCallback, useLayoutEffect, useState } from 'preact/hooks';

/**
 * Loads data for a view; `reload()` fetches again (after a change or a live event). The loader
 * gets a `partial(data)` callback to show data that is still growing.
 */
export function useLoad(load, deps = []) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const run = useCallback(() => {
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    // A loader may show part of its data early (the first page of a long list).
    const partial = (data) => !cancelled && setState({ data, error: null, loading: true });
    load(partial).then(
      (data) => !cancelled && setState({ data, error: null, loading: false }),
      (error) => !cancelled && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      cancelled = true;
    };
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  // Layout effect: the requests leave before the browser paints the empty page, not a frame later.
  useLayoutEffect(run, [run]);
  return { ...state, reload: run };
}
