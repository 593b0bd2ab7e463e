/**
 * Compile-time only (`npm run typecheck`; nothing runs): the service's DTOs and the client's types describe the same
 * shapes. Answers: what the service sends must fit what the client declares it receives. Requests: what the client
 * sends must fit what the service validates. A field renamed, retyped or made required on one side fails the build.
 */
import type * as client from '@gyroscops/event-store-client';
import type { EventEnvelopeDto, EventPageDto } from '../../../src/common/dto/events.dto';
import type { AppendEventsDto, AppendResultDto, ReadStreamQuery, StreamDto } from '../../../src/modules/events/events.dto';
import type { LogPageDto, ReadLogQueryDto } from '../../../src/modules/log/log.dto';
import type {
  AckDeliveriesDto,
  AckResultDto,
  ConsumerGroupListDto,
  ConsumerGroupStatusDto,
  DeliveryDto,
  FetchDeliveriesDto,
  FetchResultDto,
  MoveConsumerGroupDto,
  NackDeliveriesDto,
  NackResultDto,
  ParkedListDto,
  PutConsumerGroupDto,
} from '../../../src/modules/log/consumer-groups.dto';

/** A DTO class as it arrives: plain JSON objects (whose extra keys, such as free metadata, an index signature admits). */
type Wire<T> = T extends (infer E)[] ? Wire<E>[] : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;
type Fits<From, To> = [From] extends [To] ? 'fits' : 'does not fit';
const fits = <T extends 'fits'>(): T | undefined => undefined;

// Answers: service → client.
fits<Fits<Wire<EventEnvelopeDto>, client.StoredEvent>>();
fits<Fits<Wire<StreamDto>, client.StreamSlice>>();
fits<Fits<Wire<EventPageDto>, client.EventPage>>();
fits<Fits<Wire<AppendResultDto>, Omit<client.AppendResult, 'eventIds'>>>();
fits<Fits<Wire<LogPageDto>, client.LogPage>>();
fits<Fits<Wire<ConsumerGroupStatusDto>, client.ConsumerGroupStatus>>();
fits<Fits<Wire<ConsumerGroupListDto>, { groups: client.ConsumerGroupStatus[] }>>();
fits<Fits<Wire<DeliveryDto>, client.Delivery>>();
fits<Fits<Wire<FetchResultDto>, client.FetchResult>>();
fits<Fits<Wire<AckResultDto>, client.AckResult>>();
fits<Fits<Wire<NackResultDto>, client.NackResult>>();
fits<Fits<Wire<ParkedListDto>, client.ParkedList>>();

// Requests: client → service.
fits<Fits<client.AppendRequest, AppendEventsDto>>();
fits<Fits<client.ReadStreamOptions, ReadStreamQuery>>();
fits<Fits<Omit<client.ReadLogOptions, 'eventTypes'> & { eventType?: string[] }, ReadLogQueryDto>>();
fits<Fits<client.ConsumerGroupSpec, PutConsumerGroupDto>>();
fits<Fits<{ position: client.StartFrom }, MoveConsumerGroupDto>>();
fits<Fits<client.FetchOptions, FetchDeliveriesDto>>();
fits<Fits<{ deliveryIds: string[]; consumer?: string }, AckDeliveriesDto>>();
fits<Fits<{ deliveryIds: string[]; consumer?: string; reason?: string; park?: boolean }, NackDeliveriesDto>>();
