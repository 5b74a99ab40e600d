/**
 * A relay adapter the test moves by hand (Node unit tests of the relay side
 * and of whole meetings): it records what was published, and in what order
 * with the state changes.
 */
import type { RelayAdapter, RelayHandlers, RelayState } from '../../core/relay.js';

export function scriptedRelay() {
  const log: string[] = [];
  const published: string[] = [];
  let handlers: RelayHandlers | undefined;
  let state: RelayState = 'connecting';
  const adapter: RelayAdapter = {
    kind: 'scripted',
    connect(_target, h) {
      handlers = h;
      return {
        get state() { return state; },
        publish(data) {
          if (state !== 'open') return false;
          published.push(data);
          log.push('published');
          return true;
        },
        close() { state = 'closed'; },
      };
    },
  };
  const move = (next: RelayState) => {
    state = next;
    handlers!.state(next);
  };
  return {
    adapter,
    log,
    published,
    move,
    /** Whether connect() was called. */
    get dialled() { return handlers !== undefined; },
    /** A frame from the relay. */
    deliver: (frame: string) => handlers!.message(frame),
  };
}
