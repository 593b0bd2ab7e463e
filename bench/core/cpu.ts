import type { Client } from '@elastic/elasticsearch';
import { ownCpuMs } from './measure';
import type { ServiceHandle } from './service';

/** CPU used so far by Elasticsearch, the bench process (clients, and the library when it runs here) and the service process. */
export interface CpuSnapshot {
  es: number | null;
  bench: number;
  service: number | null;
}

export async function cpuSnapshot(client: Client, service: ServiceHandle | null): Promise<CpuSnapshot> {
  let es: number | null = null;
  try {
    const stats = await client.nodes.stats({ node_id: '_local', metric: 'process' });
    es = Object.values(stats.nodes)[0]?.process?.cpu?.total_in_millis ?? null;
  } catch {
    es = null;
  }
  return { es, bench: ownCpuMs(), service: service?.cpuMs() ?? null };
}

/** Accumulates CPU per 1,000 units of work (events, appends) over phases. */
export class CpuTally {
  es = 0;
  bench = 0;
  service = 0;
  work = 0;
  private esKnown = true;
  private serviceKnown = true;

  add(before: CpuSnapshot, after: CpuSnapshot, work: number): void {
    if (before.es === null || after.es === null) this.esKnown = false;
    else this.es += after.es - before.es;
    if (before.service === null || after.service === null) this.serviceKnown = false;
    else this.service += after.service - before.service;
    this.bench += after.bench - before.bench;
    this.work += work;
  }

  perThousand(): { esCpuMsPer1k: number | null; benchCpuMsPer1k: number; serviceCpuMsPer1k: number | null } {
    const k = this.work / 1000 || 1;
    return {
      esCpuMsPer1k: this.esKnown ? this.es / k : null,
      benchCpuMsPer1k: this.bench / k,
      serviceCpuMsPer1k: this.serviceKnown && this.service > 0 ? this.service / k : null,
    };
  }
}
