/**
 * /metrics of `secure-meeting-relay` in Prometheus's text format (0.0.4):
 * counts only, never a topic, an address or a payload.
 */
import type { RelayStats } from '../server-common.js';

export interface MetricsInput {
  /** Each relay served, by its label: `ws` or `socketio`. */
  relays: ReadonlyArray<{ label: string; stats: RelayStats; clusterFailures?: number }>;
  /** Requests to /turn-credentials answered, and refused for a wrong key. */
  turn: { issued: number; refused: number } | null;
  draining: boolean;
}

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Array<[labels: Record<string, string>, value: number]>;
}

const NAME = 'secure_meeting_relay_';

export function renderMetrics(input: MetricsInput): string {
  const families: Family[] = [];
  const perRelay = (name: string, type: Family['type'], help: string, pick: (s: RelayStats) => number): void => {
    families.push({ name: NAME + name, type, help, samples: input.relays.map((r) => [{ relay: r.label }, pick(r.stats)]) });
  };
  perRelay('connections', 'gauge', 'Connections held, refused ones still closing included.', (s) => s.sockets);
  perRelay('members', 'gauge', 'Members taking part.', (s) => s.members);
  perRelay('topics', 'gauge', 'Topics with at least one member on this instance.', (s) => s.topics);
  perRelay('buffered_bytes', 'gauge', 'Bytes waiting to be sent to members.', (s) => s.bufferedBytes);
  perRelay('frames_received_total', 'counter', 'Messages received from members.', (s) => s.frames.in);
  perRelay('frames_sent_total', 'counter', 'Copies of messages sent to members by this instance.', (s) => s.frames.out);
  perRelay('bytes_received_total', 'counter', 'Payload bytes received from members.', (s) => s.bytes.in);
  perRelay('bytes_sent_total', 'counter', 'Payload bytes sent to members by this instance.', (s) => s.bytes.out);
  families.push({
    name: NAME + 'refusals_total',
    type: 'counter',
    help: 'Connections refused, by reason.',
    samples: input.relays.flatMap((r) => Object.entries(r.stats.refused).map(([reason, n]) => [{ relay: r.label, reason }, n] as [Record<string, string>, number])),
  });
  families.push({
    name: NAME + 'drops_total',
    type: 'counter',
    help: 'Members dropped, by reason: slow (did not read) or heartbeat (did not answer).',
    samples: input.relays.flatMap((r) => Object.entries(r.stats.dropped).map(([reason, n]) => [{ relay: r.label, reason }, n] as [Record<string, string>, number])),
  });
  const clustered = input.relays.filter((r) => r.clusterFailures !== undefined);
  if (clustered.length > 0) {
    families.push({
      name: NAME + 'cluster_failures_total',
      type: 'counter',
      help: 'Calls to the cluster (Redis) that failed.',
      samples: clustered.map((r) => [{ relay: r.label }, r.clusterFailures ?? 0]),
    });
  }
  if (input.turn !== null) {
    families.push({
      name: NAME + 'turn_credentials_total',
      type: 'counter',
      help: 'Requests for TURN credentials, by outcome.',
      samples: [
        [{ outcome: 'issued' }, input.turn.issued],
        [{ outcome: 'unauthorized' }, input.turn.refused],
      ],
    });
  }
  families.push({ name: NAME + 'draining', type: 'gauge', help: '1 while shutting down.', samples: [[{}, input.draining ? 1 : 0]] });
  const memory = process.memoryUsage();
  families.push({ name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: [[{}, memory.rss]] });
  families.push({ name: 'nodejs_heap_used_bytes', type: 'gauge', help: 'V8 heap in use, in bytes.', samples: [[{}, memory.heapUsed]] });
  return families.map(render).join('');
}

function render(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`];
  for (const [labels, value] of family.samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : '\\' + c))}"`);
    lines.push(`${family.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`);
  }
  return lines.join('\n') + '\n';
}
