// Builds a JavaScript plugin into a component with componentize-js, the way `jco componentize`
// does but given the entry module's PATH rather than its text, so that the module's relative
// imports (`import { Series } from './series.js'`) are bundled: componentize-js collects every
// module reachable from the entry at pre-initialization, under the plugin's folder. (jco 1.24.6's
// `componentize` passes the source text, which componentize-js 0.23.0 writes to a temporary folder
// where no `./series.js` exists.) Used by scripts/lib/guest-toolchains.sh:
//
//   node scripts/lib/componentize-js.mjs PLUGIN_DIR WIT_DIR WORLD OUT.wasm
//
// PLUGIN_DIR holds package.json (whose `main` is the entry module) and node_modules with the
// pinned @bytecodealliance/componentize-js. Every WASI feature but stdio is disabled, as the
// build always did (`--disable clocks http random fetch-event`). Fails with a one-line message.

import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, wit, world, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node scripts/lib/componentize-js.mjs PLUGIN_DIR WIT_DIR WORLD OUT.wasm');
  process.exit(2);
}
const [pluginDir, witPath, outPath] = [resolve(dir), resolve(wit), resolve(out)];
const { main } = JSON.parse(await readFile(join(pluginDir, 'package.json'), 'utf8'));
if (!main) {
  console.error(`${join(pluginDir, 'package.json')}: no "main" (expected the entry module)`);
  process.exit(1);
}
// The plugin's own pinned componentize-js, as its package-lock.json has it: an ES module only (its
// package.json `exports` has an `import` entry and nothing for require.resolve).
const pkg = join(pluginDir, 'node_modules', '@bytecodealliance', 'componentize-js');
const { exports } = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8'));
const entry = typeof exports === 'string' ? exports : (exports['.'] ?? exports).import;
const { componentize } = await import(pathToFileURL(join(pkg, entry)).href);
// componentize-js maps the current directory to the component's `/` when the source is under it:
// run from the plugin's folder, its imports resolve among the plugin's own files.
process.chdir(pluginDir);
const { component } = await componentize({
  sourcePath: resolve(pluginDir, main),
  witPath,
  worldName: world,
  disableFeatures: ['clocks', 'http', 'random', 'fetch-event'],
});
await writeFile(outPath, component);
