// Renders the whole app in jsdom against a FakeHost, at a hash route. Stubs only what jsdom
// lacks (matchMedia, ResizeObserver, scrollTo).
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, expect } from 'vitest';
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

/** Renders the app at `hash`, clicks the button that opens a form, and returns that form. */
export async function openForm(bridge: VigilBridge, hash: string, button: string, form: string): Promise<HTMLElement> {
  renderApp(bridge, hash);
  fireEvent.click(await screen.findByRole('button', { name: button }));
  return screen.getByRole('form', { name: form });
}

/** The error shown next to a field (the element its aria-describedby names), if any. */
export function fieldError(input: HTMLElement): string | null {
  const id = input.getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

/** Fills the form's fields (by label) and submits it. */
export function submitWith(form: HTMLElement, values: Record<string, string>): void {
  for (const [label, value] of Object.entries(values)) fireEvent.change(within(form).getByLabelText(label), { target: { value } });
  fireEvent.submit(form);
}

/** The field (by label) is marked invalid: the error shown next to it. */
export function invalidField(form: HTMLElement, label: string): string | null {
  const input = within(form).getByLabelText(label);
  expect(input.getAttribute('aria-invalid')).toBe('true');
  return fieldError(input);
}
