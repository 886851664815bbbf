// Team mode on one PostgreSQL server, put together: the dedicated LISTEN connection, live
// events to and from the other machines' hosts, and requests between them.
import type { Db } from '../db/client';
import type { EventBus } from '../event-bus';
import { logFailure } from '../host-log';
import { ContractError } from '../../shared/errors';
import { loadMachines, offlineWords } from '../services/machines';
import type { MachineLease } from './machine-lease';
import { MachineRequests, REPLIES_CHANNEL, REQUESTS_CHANNEL } from './machine-requests';
import { EVENTS_CHANNEL, PgEventBridge } from './pg-event-bridge';
import { PgListener } from './pg-listener';

export interface Team {
  requests: MachineRequests;
  onReconnect(fn: () => void): void;
  prune(): Promise<void>;
  close(): Promise<void>;
}

export async function startTeam(opts: { url: string; db: Db; events: EventBus; lease: MachineLease }): Promise<Team> {
  const { db, events, lease } = opts;
  const warn = (message: string) => events.emit('host.notice', { level: 'warning', message });
  const bridge = new PgEventBridge(db, events, warn);
  const requests = new MachineRequests(
    db,
    lease.identity.id,
    (id) => lease.isOnline(id),
    async (id) => {
      const [m] = await loadMachines(db, [id]);
      return new ContractError('machine_offline', m ? `${offlineWords(m)}: it cannot do this until it is back` : `machine "${id}" is not known here`);
    },
  );
  const reconnected: (() => void)[] = [];
  const listener = new PgListener({
    url: opts.url,
    channels: {
      [EVENTS_CHANNEL]: (p) => bridge.receive(p),
      [REQUESTS_CHANNEL]: (p) => requests.onRequest(p),
      [REPLIES_CHANNEL]: (p) => requests.onReply(p),
    },
    onReconnect: () => {
      void requests.servePending().catch(logFailure('team', 'serving the requests left pending while disconnected failed'));
      for (const fn of reconnected) fn();
    },
    onError: warn,
  });
  await listener.start();
  bridge.start();
  return {
    requests,
    onReconnect: (fn) => void reconnected.push(fn),
    prune: async () => {
      await bridge.prune();
      await requests.prune();
    },
    close: async () => {
      requests.close();
      await bridge.close();
      await listener.close();
    },
  };
}
