/** Whose parked events: an internal saga's (admins), or a consumer group's. */
export type ParkedTarget = { kind: 'saga'; name: string } | { kind: 'group'; name: string; organizationId?: string };
