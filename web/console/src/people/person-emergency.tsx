// A person's emergency service address (spec 000: per number or per user, where nomadic
// VoIP rules apply): where emergency services are sent when they call.
import { useState } from 'react';
import { call } from '../api/client.ts';
import { useAction } from '../api/hooks.ts';
import { canWrite, useRole } from '../session.tsx';
import { type Address, AddressFields, cleanAddress, emptyAddress, formatAddress } from '../ui/address.tsx';
import { Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, Submit } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';
import type { Person } from './person-form.tsx';

export function PersonEmergency({ person, onSaved }: { person: Person; onSaved: (p: Person) => void }) {
  const role = useRole();
  const [on, setOn] = useState(!!person.emergencyAddress);
  const [address, setAddress] = useState<Address>(person.emergencyAddress ?? emptyAddress());
  const [saved, setSaved] = useState<string>();
  const action = useAction();
  if (!canWrite(role, 'people'))
    return (
      <Section title="Emergency address">
        <p>{formatAddress(person.emergencyAddress)}</p>
      </Section>
    );
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const p = await action.run(() =>
      call('PATCH /api/people/{id}', {
        params: { id: person.id },
        body: { emergencyAddress: on ? cleanAddress(address) : null },
      }),
    );
    if (p) {
      onSaved(p);
      setSaved('Emergency address saved.');
    }
  };
  return (
    <Section title="Emergency address">
      <form onSubmit={save} noValidate>
        <CheckField
          label="This person calls from a fixed address"
          checked={on}
          onChecked={setOn}
          hint="Where emergency services go when they call; numbers can have their own under Numbers."
        />
        {on ? (
          <AddressFields
            value={address}
            onChange={setAddress}
            error={action.error}
            field="emergencyAddress"
          />
        ) : null}
        <FormError error={action.error} atFields={['emergencyAddress']} />
        <div className="form-actions">
          <Submit pending={action.pending}>Save address</Submit>
          <Saved message={saved} />
        </div>
      </form>
    </Section>
  );
}
