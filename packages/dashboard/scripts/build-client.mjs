// Minify the browser code and stylesheet into dist/client, and refuse a client over budget.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { transform } from 'esbuild';

export const CLIENT_BUDGET_BYTES = 100 * 1024;

const source = new URL('../src/client/', import.meta.url);
const target = new URL('../dist/client/', import.meta.url);
mkdirSync(target, { recursive: true });

let gzipped = 0;
for (const [name, loader] of [
  ['app.js', 'js'],
  ['app.css', 'css'],
]) {
  const input = readFileSync(new URL(name, source), 'utf8');
  const { code } = await transform(input, {
    loader,
    minify: true,
    target: loader === 'js' ? 'es2020' : 'chrome100',
  });
  writeFileSync(new URL(name, target), code);
  const size = gzipSync(code).length;
  gzipped += size;
  console.log(`dist/client/${name}: ${code.length} bytes, ${size} gzipped`);
}
if (gzipped > CLIENT_BUDGET_BYTES) {
  console.error(`the shipped client is ${gzipped} bytes gzipped, over the budget of ${CLIENT_BUDGET_BYTES}`);
  process.exit(1);
}
console.log(`client total: ${gzipped} bytes gzipped (budget ${CLIENT_BUDGET_BYTES})`);
