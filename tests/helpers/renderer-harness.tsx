// Renders the whole app in jsdom against a FakeHost, at a hash route. Stubs only what jsdom
// lacks (matchMedia, ResizeObserver, scrollTo).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render } from '@testing-library/react';
import { afterEach } from 'vitest';
import '../../src/renderer/zod-jitless';
import { App } from '../../src/renderer/App';
import { BridgeProvider } from '../../src/renderer/data/bridge-context';
import type { VigilBridge } from '../../src/shared/bridge';

if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({ matches: false, media: query, onchange: null, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {}, dispatchEvent: () => false }) as MediaQueryList;
}
if (!('ResizeObserver' in window)) {
  (window as unknown as { ResizeObserver: unknown }).ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
window.scrollTo = () => undefined;

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

export function renderApp(bridge: VigilBridge, hash = '#/') {
  window.location.hash = hash;
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
  const view = render(
    <BridgeProvider bridge={bridge}>
      <QueryClientProvider client={client}>
        <App />
      </QueryClientProvider>
    </BridgeProvider>,
  );
  return { ...view, client };
}
