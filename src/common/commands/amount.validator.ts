import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A JSON number or a decimal string; the domain checks it against the currency's precision. */
export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAmount',
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length > 0 && v.length <= 40),
        defaultMessage: () => 'amount must be a number or a decimal string such as "100.00"',
      },
    },
    options,
  );
}
