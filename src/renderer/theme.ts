// Light, dark, or whatever the system prefers; the choice is remembered on this machine.
import { useCallback, useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'vigil.theme';
const THEME_EVENT = 'vigil-theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

function systemDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export function applyTheme(choice: ThemeChoice = stored()): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

/** The theme actually showing, for the parts (the terminal) that cannot follow CSS alone. */
export function effectiveTheme(): 'light' | 'dark' {
  const choice = document.documentElement.dataset.theme;
  if (choice === 'light' || choice === 'dark') return choice;
  return systemDark() ? 'dark' : 'light';
}

export function useTheme(): { theme: 'light' | 'dark'; toggle: () => void } {
  const theme = useEffectiveTheme();
  const toggle = useCallback(() => {
    const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
    // Back to "system" when the toggle lands on what the system prefers anyway.
    const choice: ThemeChoice = next === (systemDark() ? 'dark' : 'light') ? 'system' : next;
    try {
      if (choice === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // storage may be off (private mode): the toggle still works for this page
    }
    applyTheme(choice);
    window.dispatchEvent(new Event(THEME_EVENT));
  }, []);
  return { theme, toggle };
}

/** Re-renders when the effective theme changes (toggle or system). */
export function useEffectiveTheme(): 'light' | 'dark' {
  const [theme, setTheme] = useState(effectiveTheme);
  useEffect(() => {
    const update = () => setTheme(effectiveTheme());
    window.addEventListener(THEME_EVENT, update);
    const mq = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
    mq?.addEventListener('change', update);
    return () => {
      window.removeEventListener(THEME_EVENT, update);
      mq?.removeEventListener('change', update);
    };
  }, []);
  return theme;
}
