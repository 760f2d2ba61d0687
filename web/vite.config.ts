import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is served by the Shipshape server from web/dist; in dev, Vite proxies the API to it.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': 'http://localhost:8080' } },
});
