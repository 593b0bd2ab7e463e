import { readScopeOf } from '@gyroscops/ddd';
import { groupRef, type GroupCaller, type GroupRef } from '@gyroscops/projections';

/** The caller, and the group it names (its organization's, or for admins the one `organizationId` names). */
export function groupOf(name: string, organizationId?: string): { ref: GroupRef; caller: GroupCaller } {
  const caller = readScopeOf();
  return { ref: groupRef(caller, name, organizationId), caller };
}
