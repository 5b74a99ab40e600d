/**
 * Cuts links between members the way a network would: nftables drops every
 * packet to or from chosen local ports (the sockets of one RTCPeerConnection,
 * found with connectionPorts), inside the test's own loopback-only namespace
 * (test/hermetic.sh). Outside that namespace it refuses: a test must never
 * touch the machine's firewall.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Debian keeps nft in /usr/sbin, which a non-root PATH may lack.
const NFT = existsSync('/usr/sbin/nft') ? '/usr/sbin/nft' : 'nft';

let tables = 0;

export class NetCut {
  readonly #table: string;

  private constructor(table: string) {
    this.#table = table;
  }

  /**
   * A table of our own, its rules in one chain on the `output` hook (default) or the `input` one. On loopback every
   * packet passes each hook once, whichever way it goes. A drop on output fails the sender's send() (EPERM), which
   * Firefox takes as the path gone at once; a drop on input is lost in transit, as on a network, and the sender
   * notices only by its checks going unanswered.
   */
  static async create({ hook = 'output' }: { hook?: 'output' | 'input' } = {}): Promise<NetCut> {
    if (process.env['SM_HERMETIC'] !== '1') throw new Error('NetCut runs only inside test/hermetic.sh, never on the host network');
    const cut = new NetCut(`sm_cut_${process.pid}_${tables++}`);
    await cut.#nft('add', 'table', 'inet', cut.#table);
    await cut.#nft('add', 'chain', 'inet', cut.#table, 'out', `{ type filter hook ${hook} priority 0; policy accept; }`);
    return cut;
  }

  /** Drops every UDP and TCP packet from or to these local ports until restore(). */
  async block(ports: Iterable<number>): Promise<void> {
    const set = `{ ${[...new Set(ports)].join(', ')} }`;
    for (const dir of ['sport', 'dport']) {
      await this.#nft('add', 'rule', 'inet', this.#table, 'out', 'meta', 'l4proto', '{ tcp, udp }', 'th', dir, set, 'drop');
    }
  }

  /**
   * Drops `percent` % of the UDP and TCP packets from or to these local
   * ports, at random (nftables numgen), until restore(): a lossy link rather
   * than a cut one. Each packet is drawn once, whether it matches by its
   * source or its destination port.
   */
  async lose(ports: Iterable<number>, percent: number): Promise<void> {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RangeError('NetCut.lose takes a whole percentage from 0 to 100');
    const set = `{ ${[...new Set(ports)].join(', ')} }`;
    const drop = ['numgen', 'random', 'mod', '100', '<', String(percent), 'drop'];
    await this.#nft('add', 'rule', 'inet', this.#table, 'out', 'meta', 'l4proto', '{ tcp, udp }', 'th', 'sport', set, ...drop);
    await this.#nft('add', 'rule', 'inet', this.#table, 'out', 'meta', 'l4proto', '{ tcp, udp }', 'th', 'sport', '!=', set, 'th', 'dport', set, ...drop);
  }

  /** Lets everything through again. */
  async restore(): Promise<void> {
    await this.#nft('flush', 'chain', 'inet', this.#table, 'out');
  }

  async close(): Promise<void> {
    await this.#nft('delete', 'table', 'inet', this.#table).catch(() => undefined);
  }

  async #nft(...args: string[]): Promise<void> {
    await run(NFT, args);
  }
}
