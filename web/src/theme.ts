/** Dark (default, or the system's choice) and light themes: a data-theme attribute on <html>. */
import { useEffect, useState } from 'react';

export type Theme = 'dark' | 'light';
const KEY = 'trainyard.theme';
const listeners = new Set<(t: Theme) => void>();

export function initialTheme(): Theme {
  const saved = window.localStorage.getItem(KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** Follows the system's light/dark setting live, until the user picks a theme. */
export function followSystemTheme(): void {
  const query = window.matchMedia?.('(prefers-color-scheme: light)');
  query?.addEventListener('change', () => {
    if (window.localStorage.getItem(KEY)) return;
    const theme: Theme = query.matches ? 'light' : 'dark';
    applyTheme(theme);
    listeners.forEach((l) => l(theme));
  });
}

export function setTheme(theme: Theme): void {
  window.localStorage.setItem(KEY, theme);
  applyTheme(theme);
  listeners.forEach((l) => l(theme));
}

/** The current theme; charts redraw with its colours when it changes. */
export function useTheme(): Theme {
  const [theme, set] = useState<Theme>(() => (document.documentElement.dataset.theme as Theme) ?? 'dark');
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return theme;
}

/** A CSS custom property of the current theme ("--text" → "#ddd"). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
