// `node --import ../wit-stub/register.mjs` (a plugin of plugins/js/; `./wit-stub/register.mjs` in one
// `candlewick new --lang js` made, which gets its own copy of this folder): serves the component's
// WIT imports (`candlewick:market-data/...`) from reader.mjs, so the plugin module runs natively in
// tests.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
