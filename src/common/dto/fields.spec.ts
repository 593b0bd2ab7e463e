import fc from 'fast-check';
import { AGGREGATE_ID_PATTERN } from '@gyroscops/event-store';
import { plainToInstance, Type } from 'class-transformer';
import { validateSync, ValidateNested } from 'class-validator';
import { createValidationPipe } from '../errors/validation';
import { ID_PATTERN, IdField, IntegerField, ObjectField, TextField } from './fields';
import { decimalSchema } from './money-fields';

class Probe {
  @IdField() id?: string;
  @IntegerField({ minimum: 1, maximum: 1000 }) size?: number;
  @TextField({ maxLength: 3, nonBlank: true }) name?: string;
}
const errorsOf = (plain: object) => validateSync(plainToInstance(Probe, plain)).map((e) => e.property);

class Inner {
  @ObjectField({ required: true }) data!: Record<string, unknown>;
}
class Outer {
  @ObjectField() meta?: Record<string, unknown>;
  @ValidateNested({ each: true }) @Type(() => Inner) items!: Inner[];
}

describe('shared field decorators', () => {
  describe('when a free JSON object carries a "constructor" key, at any depth', () => {
    it('passes it through as sent (class-transformer would have thrown: a 500)', async () => {
      const body = {
        meta: { constructor: 0 },
        items: [{ data: { constructor: null, deep: { constructor: {}, n: [1, { constructor: 'x' }] } } }],
      };
      const out = (await createValidationPipe().transform(JSON.parse(JSON.stringify(body)), { type: 'body', metatype: Outer })) as Outer;
      expect(out).toBeInstanceOf(Outer);
      expect(out.items[0]).toBeInstanceOf(Inner);
      expect(JSON.parse(JSON.stringify(out))).toEqual(body);
    });

    it('strips them elsewhere, and refuses them as unknown properties of DTOs', async () => {
      const body = { items: [{ data: {}, constructor: { constructor: 5 } }] };
      await expect(createValidationPipe().transform(body, { type: 'body', metatype: Outer })).resolves.toBeInstanceOf(Outer);
      await expect(
        createValidationPipe().transform({ items: [{ data: {}, extra: { constructor: 5 } }] }, { type: 'body', metatype: Outer }),
      ).rejects.toMatchObject({
        details: [expect.objectContaining({ field: 'items.0.extra' })],
      });
    });

    it('still refuses a free object that is not an object', async () => {
      await expect(createValidationPipe().transform({ items: [{ data: [1] }] }, { type: 'body', metatype: Outer })).rejects.toMatchObject({
        details: [expect.objectContaining({ field: 'items.0.data' })],
      });
    });
  });

  describe('the identifier pattern the document states', () => {
    it("is exactly the event store's rule: AGGREGATE_ID_PATTERN without '..'", () => {
      const id = fc.stringMatching(/^[A-Za-z0-9._:@*/ -]{1,12}$/);
      fc.assert(
        fc.property(id, (s) => ID_PATTERN.test(s) === (AGGREGATE_ID_PATTERN.test(s) && !s.includes('..'))),
        { numRuns: 5000 },
      );
    });
  });

  describe('when an optional field is null', () => {
    it('refuses it: optional means absent', () => {
      expect(errorsOf({ id: null, size: null, name: null })).toEqual(['id', 'size', 'name']);
      expect(errorsOf({})).toEqual([]);
    });
  });

  describe('when a query integer is not spelled as one', () => {
    it.each([['1.0'], ['1e3'], [''], [' 5'], ['0x10'], ['1001'], ['0']])('refuses %p', (size) => {
      expect(errorsOf({ size })).toEqual(['size']);
    });
    it('reads digits as the number', () => {
      const probe = plainToInstance(Probe, { size: '42' });
      expect(validateSync(probe)).toEqual([]);
      expect(probe.size).toBe(42);
    });
  });

  describe('when a text is measured', () => {
    it('counts characters as JSON Schema does (code points), and refuses blank text where asked', () => {
      expect(errorsOf({ name: '😀😀😀' })).toEqual([]);
      expect(errorsOf({ name: '😀😀😀😀' })).toEqual(['name']);
      expect(errorsOf({ name: '   ' })).toEqual(['name']);
    });
  });

  describe('the decimal schema of amounts', () => {
    it('admits with its pattern exactly the strings of at most the given decimals, positive', () => {
      const pattern = new RegExp((decimalSchema(12, 2, '1').oneOf as { pattern?: string }[])[1].pattern as string);
      for (const ok of ['1', '0.5', '10.50', '10.500', '000123.4', '999999999999.99'])
        expect({ ok, match: pattern.test(ok) }).toEqual({ ok, match: true });
      for (const bad of ['0', '0.00', '1.005', '-1', '1e3', ' 1', '1.', '.5', '1000000000000'])
        expect({ bad, match: pattern.test(bad) }).toEqual({ bad, match: false });
    });
  });
});
