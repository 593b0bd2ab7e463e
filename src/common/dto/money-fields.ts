import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy, type ValidationArguments } from 'class-validator';
import currencyCodes from 'currency-codes';
import { currencyExponent, parseMoney, parseQuantity, QUANTITY_MAX_DECIMALS, QUANTITY_MAX_INTEGER_DIGITS } from '@gyroscops/ddd';

/**
 * Money and quantities in request bodies: a JSON number or a decimal string, positive, never a float's
 * artefact. The shapes are checked by the domain's own parsers (`parseMoney`, `parseQuantity` of libs/ddd) and
 * documented from the same limits, including the precision that depends on the currency named beside the amount.
 */

/** Every currency `currencyExponent` accepts (ISO 4217 money), grouped by minor-unit exponent (EUR 2, JPY 0, BHD 3). */
export const CURRENCIES: readonly string[] = currencyCodes
  .codes()
  .filter((code) => {
    try {
      currencyExponent(code);
      return true;
    } catch {
      return false;
    }
  })
  .sort();

const byExponent = new Map<number, string[]>();
for (const code of CURRENCIES) {
  const e = currencyExponent(code);
  byExponent.set(e, [...(byExponent.get(e) ?? []), code]);
}
export const CURRENCIES_BY_EXPONENT: ReadonlyMap<number, readonly string[]> = byExponent;
export const MAX_CURRENCY_EXPONENT = Math.max(...byExponent.keys());

const MONEY_INTEGER_DIGITS = 12;
const MAX_DECIMAL_TEXT = 40;

/** OpenAPI schema of a positive decimal with at most `integerDigits` integer digits and `decimals` decimals. */
export function decimalSchema(integerDigits: number, decimals: number, example: string): Record<string, unknown> {
  const nonZero = '(?=.*[1-9])';
  const int = `(0*[1-9][0-9]{0,${integerDigits - 1}}|0+)`;
  const fraction = decimals === 0 ? '(\\.0+)?' : `(\\.[0-9]{1,${decimals}}0*)?`;
  return {
    oneOf: [
      {
        type: 'number',
        minimum: 0,
        exclusiveMinimum: true,
        maximum: 10 ** integerDigits,
        exclusiveMaximum: true,
        multipleOf: 10 ** -decimals,
      },
      { type: 'string', pattern: `^${nonZero}${int}${fraction}$`, maxLength: MAX_DECIMAL_TEXT, example },
    ],
  };
}

/** What the parsers accept beyond the schema's reach is trimmed whitespace; the API refuses it rather than document it. */
const shaped = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_DECIMAL_TEXT && v.trim() === v);

const parses = (parse: () => unknown): boolean => {
  try {
    parse();
    return true;
  } catch {
    return false;
  }
};

/** Schemas of request bodies whose amount's precision depends on a currency field: split per exponent in the document. */
export const CURRENCY_BOUND_AMOUNTS = new Map<string, { amount: string; currency: string }>();

/**
 * An amount in the currency given by the `currency` field of the same body: at most that currency's decimals.
 * The document states it as one branch per exponent (`oneOf`), so the schema admits exactly what is accepted.
 */
export function AmountInCurrencyField(o: { currencyField: string; description?: string; example?: string }): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    CURRENCY_BOUND_AMOUNTS.set(target.constructor.name, { amount: String(property), currency: o.currencyField });
    applyDecorators(
      ApiProperty({
        required: true,
        description: o.description,
        ...decimalSchema(MONEY_INTEGER_DIGITS, MAX_CURRENCY_EXPONENT, o.example ?? '100.00'),
      }),
      ValidateBy({
        name: 'isAmountInCurrency',
        validator: {
          validate: (v: unknown, args?: ValidationArguments) =>
            shaped(v) && parses(() => parseMoney(v, (args?.object as Record<string, unknown>)[o.currencyField])),
          defaultMessage: (a) =>
            `${a?.property ?? 'amount'} must be a positive number or decimal string with at most ${MONEY_INTEGER_DIGITS} integer digits and the decimals of the currency (EUR 2, JPY 0, BHD 3)`,
        },
      }),
    )(target, property);
  };
}

/**
 * An amount in a currency the request does not name (the payment's or the invoice's): the shape and the
 * widest precision any currency has; the resource's own currency may allow fewer decimals (409 then).
 */
export function AmountField(o: { description?: string; example?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: true,
      description: o.description,
      ...decimalSchema(MONEY_INTEGER_DIGITS, MAX_CURRENCY_EXPONENT, o.example ?? '10.00'),
    }),
    ValidateBy({
      name: 'isAmount',
      validator: {
        // Any currency of the widest exponent takes every amount of this shape.
        validate: (v: unknown) => shaped(v) && parses(() => parseMoney(v, CURRENCIES_BY_EXPONENT.get(MAX_CURRENCY_EXPONENT)?.[0])),
        defaultMessage: (a) =>
          `${a?.property ?? 'amount'} must be a positive number or decimal string with at most ${MONEY_INTEGER_DIGITS} integer digits and ${MAX_CURRENCY_EXPONENT} decimals`,
      },
    }),
  );
}

/** A positive quantity of units: at most 9 integer digits and 6 decimals (parseQuantity). */
export function QuantityField(o: { description?: string; example?: string } = {}): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      required: true,
      description: o.description,
      ...decimalSchema(QUANTITY_MAX_INTEGER_DIGITS, QUANTITY_MAX_DECIMALS, o.example ?? '2.5'),
    }),
    ValidateBy({
      name: 'isQuantity',
      validator: {
        validate: (v: unknown) => shaped(v) && parses(() => parseQuantity(v)),
        defaultMessage: (a) =>
          `${a?.property ?? 'quantity'} must be a positive number or decimal string with at most ${QUANTITY_MAX_INTEGER_DIGITS} integer digits and ${QUANTITY_MAX_DECIMALS} decimals`,
      },
    }),
  );
}

/** Splits `schema` (a body with a currency-bound amount) into one branch per currency exponent. */
export function splitByCurrency(schema: Record<string, unknown>, fields: { amount: string; currency: string }): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const amount = properties[fields.amount];
  const example = ((amount.oneOf as Record<string, unknown>[] | undefined)?.[1]?.example as string | undefined) ?? '100';
  const branches = [...CURRENCIES_BY_EXPONENT].map(([exponent, codes]) => ({
    ...schema,
    properties: {
      ...properties,
      [fields.currency]: { ...properties[fields.currency], enum: [...codes], example: codes.includes('EUR') ? 'EUR' : codes[0] },
      [fields.amount]: { ...amount, ...decimalSchema(MONEY_INTEGER_DIGITS, exponent, exponent === 0 ? example.split('.')[0] : example) },
    },
  }));
  return { oneOf: branches, description: schema.description };
}
