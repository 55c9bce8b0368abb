// Module resolution hook (node:module `register`): every `candlewick:` import is the stub reader.
export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('candlewick:market-data/reader@')) {
    return { url: new URL('./reader.mjs', import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
