// `?` lists them all; `g d` dashboard, `g i` issues, `g r` runs, `g a` agents, `g e` escalations, `g s` settings, `g o` routines, `g n` insights; `/`
// focuses the screen's search field. The dashboard's review queue adds j/k (move), Enter (open),
// a (approve), r (request changes): see useReviewQueueKeys. Ignored while typing in a field.
import { useEffect } from 'react';
import { href, navigate } from './router';

/** `?` asks for the list of shortcuts (ShortcutsHelp listens). */
export const SHOW_SHORTCUTS = 'vigil:shortcuts';

/** Every key the app answers, as the help lists it. */
export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ['g d', 'Dashboard'],
  ['g i', 'Issues'],
  ['g r', 'Runs'],
  ['g a', 'Agents'],
  ['g e', 'Escalations'],
  ['g s', 'Settings'],
  ['/', "Focus the screen's search"],
  ['j', 'Review queue: next'],
  ['k', 'Review queue: previous'],
  ['Enter', 'Review queue: open'],
  ['a', 'Review queue: approve'],
  ['r', 'Review queue: request changes'],
  ['Ctrl+Enter', 'Send a comment'],
  ['?', 'This list'],
];

const GO: Record<string, string> = {
  d: href.dashboard(),
  i: href.issues(),
  r: href.runs(),
  a: href.agents(),
  e: href.escalations(),
  s: href.settings(),
  o: href.routines(),
  n: href.insights(),
};

export function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || !!target.closest('.xterm');
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === '?') {
        e.preventDefault();
        window.dispatchEvent(new Event(SHOW_SHORTCUTS));
        return;
      }
      if (e.key === '/') {
        const search = document.querySelector<HTMLInputElement>('[data-search]');
        if (search) {
          e.preventDefault();
          search.focus();
          search.select();
        }
        return;
      }
      if (pendingG && Date.now() - pendingG < 1500 && GO[e.key]) {
        e.preventDefault();
        pendingG = 0;
        navigate(GO[e.key]);
        return;
      }
      pendingG = e.key === 'g' ? Date.now() : 0;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export interface ReviewQueueKeys {
  move(delta: 1 | -1): void;
  open(): void;
  approve(): void;
  requestChanges(): void;
}

/** The review queue's keys, while it is on screen. */
export function useReviewQueueKeys(keys: ReviewQueueKeys): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const act: Record<string, () => void> = { j: () => keys.move(1), k: () => keys.move(-1), Enter: keys.open, a: keys.approve, r: keys.requestChanges };
      const action = act[e.key];
      // Enter on a focused link or button is that element's own business.
      if (!action || (e.key === 'Enter' && e.target instanceof HTMLElement && e.target.closest('a, button'))) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [keys]);
}
