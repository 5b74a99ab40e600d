/**
 * The room secret's epochs (DESIGN.md, "Hosts without a server"): a
 * removal starts a new one, whose secret a host draws and sends to the
 * members who remain. Each member keeps the newest it has been given and
 * moves its relay side to it, one move at a time, so it always ends on the
 * last secret it accepted, however long each derivation takes.
 *
 * Two hosts removing at the same moment both start "the next" epoch with
 * different secrets. Every member then keeps, of the secrets for the
 * highest epoch, the one that sorts first: a rule all compute alike, so all
 * end on the same secret whichever arrived first (one extra move for some).
 */
import { PASSPHRASE_PATTERN } from '../passphrase.js';
import type { Json } from '../wire/guards.js';

/** An epoch's number and secret, as a host's signed action carries it. */
export interface EpochSecret {
  readonly epoch: number;
  readonly secret: string;
}

/** Far beyond any meeting's removals; a bound on what a member accepts. */
export const MAX_EPOCH = 1_000_000;

/** A body with an epoch in range and a secret exactly as randomPassphrase() makes one. */
export function isEpochSecret(b: Json): b is Json & EpochSecret {
  const { epoch, secret } = b as Record<string, unknown>;
  return Number.isInteger(epoch) && (epoch as number) >= 1 && (epoch as number) <= MAX_EPOCH &&
    typeof secret === 'string' && PASSPHRASE_PATTERN.test(secret);
}

/** Whether `a` replaces `b`: a later epoch, or the same epoch's secret that sorts first. */
export function supersedes(a: EpochSecret, b: EpochSecret | null): boolean {
  if (b === null || a.epoch !== b.epoch) return b === null || a.epoch > b.epoch;
  return a.secret < b.secret;
}

export class Epochs {
  #current: EpochSecret | null = null;
  #moving: Promise<void> = Promise.resolve();

  /**
   * `move` derives a secret's keys and moves the relay side to them;
   * `failed` hears when that throws (the meeting goes on under the keys it had).
   */
  constructor(
    private readonly move: (secret: string) => Promise<void>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** The epoch we are in: 0 until a removal. */
  get epoch(): number {
    return this.#current?.epoch ?? 0;
  }

  /** The current epoch's secret; null until a removal (the password typed at the join). */
  get secret(): string | null {
    return this.#current?.secret ?? null;
  }

  /** The number a new epoch started by us gets. */
  get next(): number {
    return this.epoch + 1;
  }

  /**
   * A secret offered by a host (or drawn by us): kept, and moved to, when it
   * supersedes ours; false (nothing changes) when it does not.
   */
  offer(e: EpochSecret): boolean {
    if (!supersedes(e, this.#current)) return false;
    this.#current = { epoch: e.epoch, secret: e.secret };
    this.#moving = this.#moving.then(async () => {
      // A newer one came while the last move ran: skip straight to it.
      if (this.#current?.secret !== e.secret) return;
      try {
        await this.move(e.secret);
      } catch (error) {
        this.failed(error);
      }
    });
    return true;
  }

  /** Resolves once every accepted secret has been moved to (or skipped as superseded). */
  settled(): Promise<void> {
    return this.#moving;
  }
}
