// `node --import ./wit-stub/register.mjs`: serves the component's WIT imports
// (`candlewick:market-data/...`) from reader.mjs, so the plugin module runs natively in tests.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
