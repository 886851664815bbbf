// `g d` dashboard, `g i` issues, `g r` runs, `g a` agents, `g e` escalations; `/` focuses the
// screen's search field. Ignored while typing in a field.
import { useEffect } from 'react';
import { href, navigate } from './router';

const GO: Record<string, string> = {
  d: href.dashboard(),
  i: href.issues(),
  r: href.runs(),
  a: href.agents(),
  e: href.escalations(),
};

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || !!target.closest('.xterm');
}

export function useGlobalShortcuts(): void {
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
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
