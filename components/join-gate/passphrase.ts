// The join form's "Random password" and a removal's new room secret share one generator (core/passphrase.ts).
export { PASSPHRASE_BITS, randomPassphrase } from '../../core/passphrase.js';
