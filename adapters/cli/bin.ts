// The `secure-meeting-relay` command (package.json "bin"); rollup adds the #! line.
import { main } from './relay.js';

process.exit(await main(process.argv.slice(2), process.env));
