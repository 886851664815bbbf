// Wires the bridge's events into the query cache, and refetches everything after the
// WebSocket comes back (events sent while it was down are gone).
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { EventPayload } from '../../shared/events';
import { useBridge } from './bridge-context';
import { useHostStatus } from './queries';
import { applyEvent } from './live';
import { isConnectionSource } from './ws-bridge';

export function useLiveUpdates(): void {
  const bridge = useBridge();
  const qc = useQueryClient();
  useEffect(() => bridge.onEvent((event) => applyEvent(qc, event)), [bridge, qc]);
  useEffect(() => {
    if (!isConnectionSource(bridge)) return;
    return bridge.onConnection((state, reconnected) => {
      if (state === 'open' && reconnected) void qc.invalidateQueries();
    });
  }, [bridge, qc]);
}

export type Notice = EventPayload<'host.notice'> & { id: number };

let nextNotice = 1;

/**
 * Host notices (a restored database, a recovery summary) until the user dismisses them: the
 * ones start-up left in host.status, and the ones pushed while the page is open.
 */
export function useNotices(): { notices: Notice[]; dismiss: (id: number) => void } {
  const bridge = useBridge();
  const startup = useHostStatus().data?.notices;
  const [notices, setNotices] = useState<Notice[]>([]);
  const [seenStartup, setSeenStartup] = useState(false);
  if (startup && !seenStartup) {
    setSeenStartup(true);
    setNotices((list) => [...startup.map((message) => ({ level: 'info' as const, message, id: nextNotice++ })), ...list]);
  }
  useEffect(
    () =>
      bridge.onEvent((event) => {
        if (event.event !== 'host.notice') return;
        const notice = { ...event.data, id: nextNotice++ };
        setNotices((list) => [...list.slice(-4), notice]);
      }),
    [bridge],
  );
  return { notices, dismiss: (id) => setNotices((list) => list.filter((n) => n.id !== id)) };
}
