// The company's numbers: where each rings, its emergency address, and releasing it.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { useNames } from '../lib/names.ts';
import { countryName } from '../lib/places.ts';
import type { CompanyNumber } from '../people/line-form.tsx';
import { loadNumbers } from '../people/save-line.ts';
import { Link } from '../router.tsx';
import { canWrite, useRole } from '../session.tsx';
import { type Address, AddressFields, cleanAddress, emptyAddress, formatAddress } from '../ui/address.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError, Submit } from '../ui/forms.tsx';
import { Confirm, Dialog, Section } from '../ui/layout.tsx';

export function OwnNumbers() {
  const role = useRole();
  const writable = canWrite(role, 'numbers');
  const numbers = useQuery(loadNumbers, []);
  const names = useNames();
  const [editing, setEditing] = useState<CompanyNumber>();
  const [releasing, setReleasing] = useState<CompanyNumber>();
  const release = useAction();

  const doRelease = async () => {
    if (!releasing) return;
    const r = await release.run(() => call('DELETE /api/numbers/{id}', { params: { id: releasing.id } }));
    if (r !== undefined) {
      setReleasing(undefined);
      numbers.reload();
    }
  };

  return (
    <Section title="Your numbers">
      <Loaded query={numbers}>
        {(list) =>
          list.length === 0 ? (
            <Empty>
              No numbers yet. {writable ? 'Buy one from the inventory or port in the numbers you have.' : ''}
            </Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Number</th>
                    <th scope="col">Type</th>
                    <th scope="col">Country</th>
                    <th scope="col">Rings</th>
                    <th scope="col">Emergency address</th>
                    {writable ? (
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {list.map((n) => (
                    <tr key={n.id}>
                      <td>
                        <strong>{n.e164}</strong> {n.source === 'port-in' ? <Badge>ported</Badge> : null}
                      </td>
                      <td>{n.type}</td>
                      <td>{countryName(n.country)}</td>
                      <td>
                        {n.destination ? (
                          (names.data?.line(n.destination.lineId) ?? 'a line')
                        ) : (
                          <span className="muted">
                            a call flow entry, or nowhere (<Link to="/flows">call flows</Link>)
                          </span>
                        )}
                      </td>
                      <td>
                        {n.emergencyAddress ? (
                          formatAddress(n.emergencyAddress)
                        ) : (
                          <Badge tone="warn">not set</Badge>
                        )}
                      </td>
                      {writable ? (
                        <td className="actions">
                          <button type="button" className="btn small" onClick={() => setEditing(n)}>
                            Emergency address
                          </button>
                          <button type="button" className="btn small danger" onClick={() => setReleasing(n)}>
                            Release
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <p className="hint">
        Route a number to a person from their line settings, or draw it as the entry of a call flow. Keep each
        number's emergency address current where nomadic VoIP rules apply.
      </p>
      {editing ? (
        <EmergencyAddress
          number={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            numbers.reload();
          }}
        />
      ) : null}
      {releasing ? (
        <Confirm
          title={`Release ${releasing.e164}?`}
          message="The number goes back to the inventory: calls to it stop reaching you and someone else may take it."
          confirm="Release"
          pending={release.pending}
          error={<FormError error={release.error} />}
          onConfirm={() => void doRelease()}
          onClose={() => setReleasing(undefined)}
        />
      ) : null}
    </Section>
  );
}

function EmergencyAddress({
  number,
  onClose,
  onSaved,
}: {
  number: CompanyNumber;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [address, setAddress] = useState<Address>(number.emergencyAddress ?? emptyAddress(number.country));
  const action = useAction();
  const save = async (value: Address | null) => {
    const r = await action.run(() =>
      call('PUT /api/numbers/{id}/emergency-address', {
        params: { id: number.id },
        body: { address: value },
      }),
    );
    if (r) onSaved();
  };
  return (
    <Dialog title={`Emergency address of ${number.e164}`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(cleanAddress(address));
        }}
        noValidate
      >
        <p className="hint">Emergency services are sent here when someone calls them from this number.</p>
        <AddressFields value={address} onChange={setAddress} error={action.error} field="address" />
        <FormError error={action.error} atFields={['address']} />
        <div className="dialog-actions">
          {number.emergencyAddress ? (
            <button type="button" className="btn danger" onClick={() => void save(null)}>
              Clear
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Submit pending={action.pending}>Save address</Submit>
        </div>
      </form>
    </Dialog>
  );
}
