// The package entry for bundler users. Importing it registers <secure-meeting>,
// <join-gate> and <peer-tile>; each relay adapter stays a separate module,
// fetched with import() only when an element picks it.
import { useAdapterLoader } from './secure-meeting/adapters.js';
import { lazyAdapters } from './secure-meeting/lazy-adapters.js';

export * from './elements.js';

useAdapterLoader(lazyAdapters());
