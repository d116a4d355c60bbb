/** Renders the app (loaded by main.tsx after it has started the first requests). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import { App } from './app.tsx';
import './styles.css';
import { preloadAllWhenIdle } from './routes.tsx';
import { applyTheme, followSystemTheme, initialTheme } from './theme.ts';

export function mount(): void {
  applyTheme(initialTheme());
  followSystemTheme();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
  preloadAllWhenIdle();
}
