// Wires the bridge's events into the query cache, and refetches everything after the
// WebSocket comes back (events sent while it was down are gone).
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { EventPayload } from '../../shared/events';
import { useBridge } from './bridge-context';
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

/** Host notices (a restored database, a recovery summary) until the user dismisses them. */
export function useNotices(): { notices: Notice[]; dismiss: (id: number) => void } {
  const bridge = useBridge();
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => {
    let next = 1;
    return bridge.onEvent((event) => {
      if (event.event !== 'host.notice') return;
      const notice = { ...event.data, id: next++ };
      setNotices((list) => [...list.slice(-4), notice]);
    });
  }, [bridge]);
  return { notices, dismiss: (id) => setNotices((list) => list.filter((n) => n.id !== id)) };
}
