import { Query } from '@nestjs/cqrs';
import type { Interval } from '../../domain/time-buckets';

/** Payments counted and their exact sum, as a decimal string in the currency's precision and in minor units. */
export interface VolumeFigure {
  payments: number;
  /** Null when the code is not an ISO 4217 currency (the minor units are still exact). */
  volume: string | null;
  volumeMinor: number;
}

export interface PaymentVolume {
  interval: Interval;
  /** Per currency: the range's total and every bucket of the range (empty ones with 0). */
  currencies: Record<string, VolumeFigure & { series: Record<string, VolumeFigure> }>;
}

export interface PaymentVolumeParams {
  from?: string;
  to?: string;
  interval?: string;
  timeZone?: string;
}

export class PaymentVolumeQuery extends Query<PaymentVolume> {
  constructor(readonly params: PaymentVolumeParams) {
    super();
  }
}
