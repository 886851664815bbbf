// Hash routes, so the same bundle works from file:// in the desktop app and from `vigil serve`.
import { useEffect, useState } from 'react';

export type Route =
  | { screen: 'dashboard' }
  | { screen: 'issues' }
  | { screen: 'issue'; ref: string }
  | { screen: 'runs' }
  | { screen: 'run'; id: string }
  | { screen: 'agents' }
  | { screen: 'agent'; name: string }
  | { screen: 'escalations' }
  | { screen: 'settings' }
  | { screen: 'insights' }
  | { screen: 'routines' }
  | { screen: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '') || '/';
  const [, head, ref, ...rest] = path.split('/').map((s) => safeDecode(s));
  if (rest.length > 0) return { screen: 'not-found', path };
  if (!head) return { screen: 'dashboard' };
  if (head === 'issues') return ref ? { screen: 'issue', ref } : { screen: 'issues' };
  if (head === 'runs') return ref ? { screen: 'run', id: ref } : { screen: 'runs' };
  if (head === 'agents') return ref ? { screen: 'agent', name: ref } : { screen: 'agents' };
  if (head === 'escalations' && !ref) return { screen: 'escalations' };
  if (head === 'settings' && !ref) return { screen: 'settings' };
  if (head === 'insights' && !ref) return { screen: 'insights' };
  if (head === 'routines' && !ref) return { screen: 'routines' };
  return { screen: 'not-found', path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const href = {
  dashboard: () => '#/',
  issues: () => '#/issues',
  issue: (ref: string) => `#/issues/${encodeURIComponent(ref)}`,
  runs: () => '#/runs',
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
  agents: () => '#/agents',
  agent: (name: string) => `#/agents/${encodeURIComponent(name)}`,
  escalations: () => '#/escalations',
  settings: () => '#/settings',
  insights: () => '#/insights',
  routines: () => '#/routines',
};

export function navigate(to: string): void {
  window.location.hash = to.replace(/^#/, '');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Filters live in the hash (`#/runs?status=failed`) so they survive back/forward and links. */
export function useHashParams(): [URLSearchParams, (next: Record<string, string | undefined>) => void] {
  const read = () => new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  const [params, setParams] = useState(read);
  useEffect(() => {
    const onChange = () => setParams(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const update = (next: Record<string, string | undefined>) => {
    const merged = read();
    for (const [k, v] of Object.entries(next)) {
      if (v) merged.set(k, v);
      else merged.delete(k);
    }
    const path = window.location.hash.replace(/^#/, '').split('?')[0] || '/';
    const query = merged.toString();
    // replaceState: typing in a filter should not fill the back button's history.
    window.history.replaceState(window.history.state, '', `#${path}${query ? `?${query}` : ''}`);
    setParams(merged);
  };
  return [params, update];
}
