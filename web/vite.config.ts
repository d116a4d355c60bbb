/**
 * Builds the dashboard into web/dist, which `trainyard server` serves at `/`.
 * `npm run build:web` (also run by `npm install`'s prepare step); `npm run dev:web` serves it
 * with hot reload and proxies the API to a server on TRAINYARD_URL (default 127.0.0.1:7300).
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.TRAINYARD_URL ?? 'http://127.0.0.1:7300';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: true }, '/openapi.json': api, '/health': api },
  },
});
