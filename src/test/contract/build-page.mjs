// Bundles the embedded-flow test page (React + @tryfinch/react-connect) into build/page, ready to serve as is.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';

await mkdir('build/page', { recursive: true });
await build({
  entryPoints: ['page/embedded.tsx'],
  outfile: 'build/page/embedded.js',
  bundle: true,
  format: 'iife',
  jsx: 'automatic',
  target: 'es2020',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
await copyFile('page/index.html', 'build/page/index.html');
