// Module resolution hook (node:module `register`): the component's `candlewick:` imports are the
// stubs beside this file, the reader (reader.mjs) and the kernels (kernels.mjs).
export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('candlewick:market-data/reader@')) {
    return { url: new URL('./reader.mjs', import.meta.url).href, shortCircuit: true };
  }
  if (specifier.startsWith('candlewick:market-data/kernels@')) {
    return { url: new URL('./kernels.mjs', import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
