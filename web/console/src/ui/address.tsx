// A postal address (billing, emergency service address) as form fields.
import type { ApiFailure } from '../api/client.ts';
import { fieldError } from '../api/hooks.ts';
import { countryOptions } from '../lib/places.ts';
import { SelectField, TextField } from './forms.tsx';

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
}

export const emptyAddress = (country = 'US'): Address => ({
  line1: '',
  line2: '',
  city: '',
  postalCode: '',
  region: '',
  country,
});

/** The address as the API takes it: optional parts left out when empty. */
export function cleanAddress(a: Address): Address {
  return {
    line1: a.line1.trim(),
    ...(a.line2?.trim() ? { line2: a.line2.trim() } : {}),
    city: a.city.trim(),
    postalCode: a.postalCode.trim(),
    ...(a.region?.trim() ? { region: a.region.trim() } : {}),
    country: a.country,
  };
}

export const formatAddress = (a: Address | null | undefined) =>
  a ? [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.region, a.country].filter(Boolean).join(', ') : '—';

export function AddressFields({
  value,
  onChange,
  error,
  field,
}: {
  value: Address;
  onChange: (a: Address) => void;
  error: ApiFailure | undefined;
  /** Where the address sits in the request body, for the API's field errors. */
  field: string;
}) {
  const set = (k: keyof Address) => (v: string) => onChange({ ...value, [k]: v });
  const err = (k: string) => fieldError(error, `${field}.${k}`);
  return (
    <>
      <TextField
        label="Street and number"
        value={value.line1}
        onValue={set('line1')}
        required
        error={err('line1')}
        autoComplete="address-line1"
      />
      <TextField
        label="Address line 2"
        value={value.line2 ?? ''}
        onValue={set('line2')}
        hint="Optional."
        error={err('line2')}
        autoComplete="address-line2"
      />
      <div className="row">
        <TextField
          label="Postal code"
          value={value.postalCode}
          onValue={set('postalCode')}
          required
          error={err('postalCode')}
          autoComplete="postal-code"
        />
        <TextField
          label="City"
          value={value.city}
          onValue={set('city')}
          required
          error={err('city')}
          autoComplete="address-level2"
        />
      </div>
      <div className="row">
        <TextField
          label="Region"
          value={value.region ?? ''}
          onValue={set('region')}
          hint="Optional."
          error={err('region')}
        />
        <SelectField
          label="Country"
          value={value.country}
          onValue={set('country')}
          options={countryOptions()}
          error={err('country')}
        />
      </div>
    </>
  );
}
