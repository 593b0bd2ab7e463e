import { Query } from '@nestjs/cqrs';
import type { StoredEvent } from '@gyroscops/event-store';
import type { CausationNode } from '../../domain/causation-tree';

/** Most events of one correlation the tree holds; `truncated` says when there were more. */
export const MAX_CORRELATION_EVENTS = 10_000;

export interface CorrelationTree {
  correlationId: string;
  /** Exact number of the correlation's events visible to the caller. */
  total: number;
  truncated: boolean;
  /** Events caused by nothing of the correlation (e.g. by a command id), oldest first. */
  roots: string[];
  /** Every event oldest first, linked by id to its cause and its effects. */
  nodes: CausationNode<StoredEvent>[];
}

export class CorrelationTreeQuery extends Query<CorrelationTree> {
  constructor(readonly correlationId: string) {
    super();
  }
}
