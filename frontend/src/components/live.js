// Live updates: the server's event stream (SSE) tells an open list that something changed.
import { useEffect, useRef } from 'preact/hooks';
import { getAccessToken, refresh } from '../api.js';

/** `ready`: connect only once the view has its data, so the stream does not compete with the
 * first requests of a page. */
export function useLiveUpdates(onEvent, ready = true) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (typeof EventSource === 'undefined' || !ready) return;
    let source = null;
    let closed = false;
    let timer = null;
    // A new EventSource cannot say which event it heard last (no headers): after a
    // reconnect the view reloads once instead, so nothing missed meanwhile stays unseen.
    let reconnecting = false;
    const open = () => {
      // EventSource cannot send headers: the access token travels as a query parameter.
      source = new EventSource(`/api/v1/events?access_token=${encodeURIComponent(getAccessToken() || '')}`);
      let debounce = null;
      const changed = () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => handler.current(), 150);
      };
      source.onmessage = changed;
      source.onopen = () => {
        if (reconnecting) changed();
        reconnecting = false;
      };
      for (const name of ['invited', 'accepted', 'withdrawn', 'declined', 'released', 'request_changed', 'changed']) {
        source.addEventListener(name, changed);
      }
      source.onerror = () => {
        // An expired token closes the stream: renew it, then reconnect after a pause.
        source.close();
        if (closed) return;
        reconnecting = true;
        timer = setTimeout(() => refresh().then(() => !closed && open()), 5000);
      };
    };
    open();
    return () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [ready]);
}
