// Buy a number from the operator's inventory, by country, area code and type.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { countryName, countryOptions } from '../lib/places.ts';
import { Link } from '../router.tsx';
import { Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { FormError, SelectField, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';
import { Pager } from '../ui/pager.tsx';

type NumberType = 'local' | 'mobile' | 'toll-free';

export function BuyNumbers() {
  const [country, setCountry] = useState('');
  const [areaCode, setAreaCode] = useState('');
  const [type, setType] = useState('');
  const [filter, setFilter] = useState({ country: '', areaCode: '', type: '' });
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [bought, setBought] = useState<string>();
  const buy = useAction();
  const cursor = cursors[cursors.length - 1];
  const available = useQuery(
    (signal) =>
      call('GET /api/numbers/available', {
        query: {
          limit: 25,
          cursor,
          country: filter.country || undefined,
          areaCode: filter.areaCode || undefined,
          type: (filter.type || undefined) as NumberType | undefined,
        },
        signal,
      }),
    [filter, cursor],
  );

  const take = async (e164: string) => {
    setBought(undefined);
    const n = await buy.run(() => call('POST /api/numbers', { body: { e164 } }));
    if (n) {
      setBought(`${n.e164} is yours. Route it from a person's line or a call flow.`);
      available.reload();
    }
  };

  return (
    <Section title="Buy a number">
      <search>
        <form
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            setCursors([undefined]);
            setFilter({ country, areaCode: areaCode.trim(), type });
          }}
        >
          <SelectField
            label="Country"
            value={country}
            onValue={setCountry}
            options={[{ value: '', label: 'Any country' }, ...countryOptions()]}
          />
          <TextField
            label="Area code"
            value={areaCode}
            onValue={setAreaCode}
            inputMode="numeric"
            error={fieldError(available.error, 'areaCode')}
          />
          <SelectField
            label="Type"
            value={type}
            onValue={setType}
            options={[
              { value: '', label: 'Any type' },
              { value: 'local', label: 'Local' },
              { value: 'mobile', label: 'Mobile' },
              { value: 'toll-free', label: 'Toll-free' },
            ]}
          />
          <button type="submit" className="btn">
            Find numbers
          </button>
        </form>
      </search>
      <FormError error={buy.error} />
      <Saved message={bought} />
      <Loaded query={available}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>
              No numbers match. Try another area or type, or{' '}
              <Link to="/numbers?tab=port-in">port in a number you have</Link>.
            </Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Number</th>
                      <th scope="col">Country</th>
                      <th scope="col">Area code</th>
                      <th scope="col">Type</th>
                      <th scope="col">
                        <span className="visually-hidden">Buy</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((n) => (
                      <tr key={n.id}>
                        <td>
                          <strong>{n.e164}</strong>
                        </td>
                        <td>{countryName(n.country)}</td>
                        <td>{n.areaCode}</td>
                        <td>{n.type}</td>
                        <td>
                          <button
                            type="button"
                            className="btn small primary"
                            disabled={buy.pending}
                            onClick={() => void take(n.e164)}
                            aria-label={`Buy ${n.e164}`}
                          >
                            Buy
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager cursors={cursors} setCursors={setCursors} nextCursor={page.nextCursor} />
            </>
          )
        }
      </Loaded>
    </Section>
  );
}
