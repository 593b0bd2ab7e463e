import { appendContract } from './contract/appends.contract';
import type { ContractHarness } from './contract/contract-fixtures';
import { lifecycleContract } from './contract/lifecycle.contract';
import { readContract } from './contract/reads.contract';

export { orgA, orgB, writer, reader, admin, ev, type ContractHarness } from './contract/contract-fixtures';

/** The behaviour every adapter of the event store port must have (its parts in ./contract, run in this order). */
export function eventStoreContract(name: string, make: () => Promise<ContractHarness>): void {
  describe(`event store contract: ${name}`, () => {
    let h: ContractHarness;
    beforeAll(async () => {
      h = await make();
    });
    afterAll(async () => h?.cleanup());

    appendContract(() => h);
    lifecycleContract(() => h);
    readContract(() => h);
  });
}
