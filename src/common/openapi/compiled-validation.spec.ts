import { Body, Controller, Get, Param, Post, Query, type ArgumentMetadata, type INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { IntervalDto, EventFilterDto } from '../../modules/analytics/analytics.dto';
import { AggregateIdParam, AppendEventsDto, ReadStreamQuery, SearchEventsQuery } from '../../modules/events/events.dto';
import { createOpenApiDocument } from '../../openapi';
import { createValidationPipe } from '../errors/validation';
import { compiledSchemaClasses, compiledTransform, hasCompiledSchema } from './compiled-validation';

@Controller('t')
class RoutesUnderTest {
  @Post(':aggregateId')
  append(@Param() _p: AggregateIdParam, @Body() _b: AppendEventsDto): void {}
  @Get('read')
  read(@Query() _q: ReadStreamQuery): void {}
  @Get('search')
  search(@Query() _q: SearchEventsQuery): void {}
  @Get('stats')
  stats(@Query() _q: EventFilterDto): void {}
  @Get('trends')
  trends(@Query() _q: IntervalDto): void {}
}

type Source = 'body' | 'query' | 'param';
const slowPipe = createValidationPipe({ compiled: false });

/** What the class-validator pipe makes of a value: its plain JSON, or the refusal. */
async function slow(cls: unknown, value: unknown, type: Source): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    const out: unknown = await slowPipe.transform(structuredClone(value), { type, metatype: cls } as ArgumentMetadata);
    return { ok: true, value: JSON.parse(JSON.stringify(out)) };
  } catch {
    return { ok: false };
  }
}

/** The compiled path may only accept what the pipe accepts, and must hand over the same value. */
async function expectSubset(cls: unknown, value: unknown, type: Source): Promise<boolean> {
  const fast = compiledTransform(cls, structuredClone(value), type);
  if (fast === undefined) return false;
  const s = await slow(cls, value, type);
  expect({ value, accepted: s.ok }).toEqual({ value, accepted: true });
  if (s.ok) expect(JSON.parse(JSON.stringify(fast))).toEqual(s.value);
  return true;
}

const UUID = '0b9f7e0c-5a7b-4c1e-9a63-2f3c5d1e7a10';
const event = { eventId: UUID, eventType: 'OrderPlaced', eventData: { orderId: 'o-1', lines: [{ n: 1 }], constructor: 'Ford' } };
const append = { aggregateType: 'Order', expectedVersion: 'no_stream', events: [event] };

describe('compiled validation of the hot routes', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [RoutesUnderTest] }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter());
    createOpenApiDocument(app, '0');
  });
  afterAll(() => app.close());

  it('compiles the schema of every DTO marked for it, from the OpenAPI document', () => {
    expect(compiledSchemaClasses().filter((c) => !hasCompiledSchema(c))).toEqual([]);
  });

  describe('when a request is valid', () => {
    it.each([
      ['an append', AppendEventsDto, append, 'body'],
      [
        'an append at a version with a personal section',
        AppendEventsDto,
        {
          ...append,
          expectedVersion: 3,
          events: [{ ...event, schemaVersion: 2, metadata: {}, personal: { subjectId: 's-1', data: { email: 'a@b' } } }],
        },
        'body',
      ],
      ['an aggregate id', AggregateIdParam, { aggregateId: 'pay-1.a:b@c' }, 'param'],
      ['a stream read with integers as query text', ReadStreamQuery, { fromVersion: '5', maxCount: '10', direction: 'backward' }, 'query'],
      [
        'a search',
        SearchEventsQuery,
        { q: 'café visa', eventType: 'PaymentCaptured', from: '2024-12-01', to: '2024-12-19T10:00:00+01:00', size: '20', sort: 'asc' },
        'query',
      ],
      ['statistics', EventFilterDto, { from: '2024-12-01', timeZone: 'Europe/Paris', aggregateType: 'Payment' }, 'query'],
      ['trends', IntervalDto, { interval: 'week', eventType: 'X' }, 'query'],
    ] as const)('takes the compiled path for %s, with what the pipe would hand over', async (_name, cls, value, type) => {
      expect(await expectSubset(cls, value, type)).toBe(true);
    });
  });

  describe('when a request is invalid or unusual', () => {
    it.each([
      ['-0 as expectedVersion', AppendEventsDto, { ...append, expectedVersion: -0 }, 'body'],
      ['an unknown property', AppendEventsDto, { ...append, extra: 1 }, 'body'],
      ['an unknown property of an event', AppendEventsDto, { ...append, events: [{ ...event, extra: 1 }] }, 'body'],
      ['a null optional field', AppendEventsDto, { ...append, events: [{ ...event, metadata: null }] }, 'body'],
      ['eventData as an array', AppendEventsDto, { ...append, events: [{ ...event, eventData: [] }] }, 'body'],
      ['schemaVersion as text', AppendEventsDto, { ...append, events: [{ ...event, schemaVersion: '2' }] }, 'body'],
      ['no events', AppendEventsDto, { ...append, events: [] }, 'body'],
      ['an aggregate id with ..', AggregateIdParam, { aggregateId: 'a..b' }, 'param'],
      ['size 12.0', SearchEventsQuery, { size: '12.0' }, 'query'],
      ['size 1e3', SearchEventsQuery, { size: '1e3' }, 'query'],
      ['a repeated query parameter', SearchEventsQuery, { eventType: ['a', 'b'] }, 'query'],
      ['an impossible date', SearchEventsQuery, { from: '2024-02-30' }, 'query'],
      ['a date-time without offset', SearchEventsQuery, { from: '2024-02-03T10:00:00' }, 'query'],
      ['a blank-free text of astral characters', SearchEventsQuery, { q: '😀'.repeat(1000) }, 'query'],
      ['an unknown time zone', EventFilterDto, { timeZone: 'Mars/Olympus' }, 'query'],
      ['a constructor query key', IntervalDto, { constructor: 'x' }, 'query'],
    ] as const)('never accepts what the pipe refuses: %s', async (_name, cls, value, type) => {
      await expectSubset(cls, value, type);
    });

    it('leaves -0 and unknown properties to the pipe', () => {
      expect(compiledTransform(AppendEventsDto, { ...append, expectedVersion: -0 }, 'body')).toBeUndefined();
      expect(compiledTransform(AppendEventsDto, { ...append, extra: 1 }, 'body')).toBeUndefined();
    });
  });

  it('accepts nothing the pipe refuses, for generated appends and searches', async () => {
    const text = fc.oneof(
      fc.string(),
      fc.constantFrom('', ' ', 'a', 'Order', 'no_stream', 'any', '1', '-0', '2024-12-01', 'x'.repeat(257)),
    );
    const value = fc.oneof(fc.anything(), text, fc.integer(), fc.double(), fc.constantFrom(-0, 0, 1, 2 ** 31, Number.MAX_SAFE_INTEGER + 2));
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const newEvent = fc.record(
      {
        eventId: maybe(fc.oneof(fc.uuid(), value)),
        eventType: fc.oneof(text, value),
        eventData: fc.oneof(fc.object(), value),
        metadata: maybe(fc.oneof(fc.object(), value)),
        schemaVersion: maybe(value),
        personal: maybe(fc.oneof(fc.record({ subjectId: text, data: fc.oneof(fc.object(), value) }), value)),
      },
      { requiredKeys: [] },
    );
    const body = fc.record(
      { aggregateType: fc.oneof(text, value), expectedVersion: value, events: fc.oneof(fc.array(newEvent, { maxLength: 3 }), value) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        await expectSubset(AppendEventsDto, b, 'body');
      }),
      { numRuns: 300 },
    );
    const query = fc.dictionary(
      fc.constantFrom('q', 'size', 'from', 'to', 'cursor', 'sort', 'eventType', 'aggregateId', 'userId', 'other'),
      fc.oneof(text, fc.array(text, { maxLength: 2 }), fc.integer().map(String)),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        await expectSubset(SearchEventsQuery, q, 'query');
      }),
      { numRuns: 300 },
    );
  });
});
