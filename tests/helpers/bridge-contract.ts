// What the page gets from window.vigil, asserted alike on the preload's source (tests/main/electron)
// and on the built bundle loaded as a sandboxed window does (tests/preload).
import { expect } from 'vitest';
import type { VigilBridge } from '../../src/shared/bridge';
import type { CallOutput } from '../../src/shared/contract';
import type { HostEvent } from '../../src/shared/events';
import { escalationDto, fake, type FakeHost } from './fake-electron';
import { runDto } from './dtos';

/** The preload exposes window.vigil and nothing else, and window.vigil has exactly invoke and onEvent. */
export function expectOnlyVigil(exposed: Record<string, unknown>): void {
  expect(Object.keys(exposed)).toEqual(['vigil']);
  const bridge = exposed.vigil as VigilBridge;
  expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent']);
  expect(typeof bridge.invoke).toBe('function');
  expect(typeof bridge.onEvent).toBe('function');
}

/** One running run in the host, listed through the bridge: the answer holds that run alone. Returns the answer. */
export async function listOneRunningRun(host: FakeHost, bridge: VigilBridge): Promise<CallOutput<'runs.list'>> {
  host.runs.push(runDto({ id: 'run-1', agent: 'builder', issueIdentifier: 'VIG-1' }));
  const answer = await bridge.invoke('runs.list', { status: 'running' });
  expect(answer.items.map((run) => run.id)).toEqual(['run-1']);
  expect(answer.total).toBe(1);
  return answer;
}

/**
 * onEvent until unsubscribed: an escalation opened in the host reaches the listener, then the
 * "needs you" event the host's attention watcher makes of it (`first` checks more of the first
 * one); after the unsubscribe nothing does, and no IPC listener is left on `channel`.
 */
export function expectEventsUntilUnsubscribed(host: FakeHost, bridge: VigilBridge, channel: string, first: (event: HostEvent) => void = () => undefined): void {
  const seen: HostEvent[] = [];
  const unsubscribe = bridge.onEvent((event) => seen.push(event));
  host.openEscalation(escalationDto({ id: 'esc-1', issueIdentifier: 'VIG-7' }));
  expect(seen.map((e) => e.event)).toEqual(['escalation.opened', 'attention.needed']);
  expect(seen[0]).toEqual({ event: 'escalation.opened', data: host.escalations[0] });
  first(seen[0]);

  unsubscribe();
  host.events.emit('host.notice', { level: 'info', message: 'after unsubscribe' });
  expect(seen).toHaveLength(2);
  expect(fake.ipcRenderer.listenerCount(channel)).toBe(0);
}
