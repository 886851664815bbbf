// @vitest-environment jsdom
// The frame around the screens: notices, the lost-connection banner, keyboard shortcuts.
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ConnectionSource, ConnectionState } from '../../src/renderer/data/ws-bridge';
import { FakeHost } from '../helpers/renderer-fake-host';
import { renderApp } from '../helpers/renderer-harness';

/** A host reached over a socket that the test can drop and bring back. */
class DroppableHost extends FakeHost implements ConnectionSource {
  connection: ConnectionState = 'open';
  private connectionListeners = new Set<(s: ConnectionState, reconnected: boolean) => void>();
  onConnection(listener: (s: ConnectionState, reconnected: boolean) => void) {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }
  set(state: ConnectionState, reconnected = false) {
    this.connection = state;
    for (const l of this.connectionListeners) l(state, reconnected);
  }
}

describe('app shell', () => {
  it("shows start-up notices and pushed ones until they're dismissed", async () => {
    const host = new FakeHost();
    host.startupNotices = ['Restored the database from the backup of 09:12.'];
    renderApp(host, '#/');
    expect(await screen.findByText('Restored the database from the backup of 09:12.')).toBeTruthy();
    act(() => host.emit('host.notice', { level: 'warning', message: 'Recovered 2 runs after a crash.' }));
    expect(await screen.findByText('Recovered 2 runs after a crash.')).toBeTruthy();
    fireEvent.click(screen.getAllByRole('button', { name: 'Dismiss notice' })[0]);
    await waitFor(() => expect(screen.queryByText('Restored the database from the backup of 09:12.')).toBeNull());
    expect(screen.getByText('Recovered 2 runs after a crash.')).toBeTruthy();
  });

  it('says so while the connection is down, and refetches once it is back', async () => {
    const host = new DroppableHost();
    renderApp(host, '#/agents');
    expect(await screen.findByText('No agents yet.')).toBeTruthy();
    act(() => host.set('reconnecting'));
    expect(screen.getByText(/Disconnected from Vigil/)).toBeTruthy();
    // Made while the socket was down: only a refetch can show it.
    host.addAgent({ name: 'late-agent' });
    act(() => host.set('open', true));
    expect(await screen.findByRole('link', { name: 'late-agent' }, { timeout: 10_000 })).toBeTruthy();
    expect(screen.queryByText(/Disconnected from Vigil/)).toBeNull();
  });

  it('goes places with g-shortcuts and focuses search with /', async () => {
    const host = new FakeHost();
    renderApp(host, '#/');
    await screen.findByRole('heading', { name: 'Dashboard' });
    fireEvent.keyDown(window, { key: 'g' });
    fireEvent.keyDown(window, { key: 'i' });
    expect(await screen.findByRole('heading', { name: 'Issues' })).toBeTruthy();
    fireEvent.keyDown(window, { key: '/' });
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search issues' }));
    // Typing in a field is typing, not a shortcut.
    fireEvent.keyDown(document.activeElement!, { key: 'g' });
    fireEvent.keyDown(document.activeElement!, { key: 'r' });
    expect(screen.getByRole('heading', { name: 'Issues' })).toBeTruthy();
  });

  it('tells what to do on an unknown address', async () => {
    renderApp(new FakeHost(), '#/nowhere/at/all');
    expect(await screen.findByText('Nothing at “/nowhere/at/all”.')).toBeTruthy();
  });
});
