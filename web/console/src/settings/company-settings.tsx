// Company information (legal name, billing address, VAT ID, time zone, SIP domain), the
// administrators' 2FA policy, and how long recordings are kept and what callers hear first.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { fieldError, useAction, useQuery } from '../api/hooks.ts';
import { countryOptions, timeZoneOptions } from '../lib/places.ts';
import { loadPrompts } from '../prompts/prompts-page.tsx';
import { useSession } from '../session.tsx';
import { type Address, AddressFields, cleanAddress, emptyAddress } from '../ui/address.tsx';
import { Loaded, Saved } from '../ui/feedback.tsx';
import { CheckField, FormError, SelectField, Submit, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Tenant = Response<'GET /api/tenant'>;

export function CompanySettings() {
  const tenant = useQuery((signal) => call('GET /api/tenant', { signal }), []);
  return <Loaded query={tenant}>{(t) => <CompanyForms tenant={t} onSaved={tenant.set} />}</Loaded>;
}

function CompanyForms({ tenant, onSaved }: { tenant: Tenant; onSaved: (t: Tenant) => void }) {
  const { refresh } = useSession();
  const info = useAction();
  const policy = useAction();
  const [f, setF] = useState(() => ({
    name: tenant.name,
    legalName: tenant.legalName ?? '',
    vatId: tenant.vatId ?? '',
    country: tenant.country,
    timeZone: tenant.timeZone,
    sipDomain: tenant.sipDomain,
  }));
  const [hasBilling, setHasBilling] = useState(!!tenant.billingAddress);
  const [billing, setBilling] = useState<Address>(tenant.billingAddress ?? emptyAddress(tenant.country));
  const [require2fa, setRequire2fa] = useState(tenant.requireAdmin2fa);
  const [retention, setRetention] = useState(String(tenant.recordingRetentionDays));
  const [consent, setConsent] = useState(tenant.recordingConsentPromptId ?? '');
  const [saved, setSaved] = useState<{ info?: string; policy?: string }>({});
  const prompts = useQuery(loadPrompts, []);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const err = (k: string) => fieldError(info.error, k);

  const saveInfo = async (e: React.FormEvent) => {
    e.preventDefault();
    const t = await info.run(() =>
      call('PATCH /api/tenant', {
        body: {
          name: f.name,
          legalName: f.legalName.trim() || null,
          vatId: f.vatId.trim() || null,
          country: f.country,
          timeZone: f.timeZone,
          sipDomain: f.sipDomain,
          billingAddress: hasBilling ? cleanAddress(billing) : null,
        },
      }),
    );
    if (t) {
      onSaved(t);
      setSaved({ info: 'Company information saved.' });
      void refresh();
    }
  };
  const savePolicy = async (e: React.FormEvent) => {
    e.preventDefault();
    const t = await policy.run(() =>
      call('PATCH /api/tenant', {
        body: {
          requireAdmin2fa: require2fa,
          recordingRetentionDays: Number(retention),
          recordingConsentPromptId: consent || null,
        },
      }),
    );
    if (t) {
      onSaved(t);
      setSaved({ policy: 'Policies saved.' });
      void refresh();
    }
  };

  return (
    <>
      <Section title="Company information">
        <form onSubmit={saveInfo} noValidate>
          <div className="row">
            <TextField
              label="Company name"
              value={f.name}
              onValue={set('name')}
              required
              error={err('name')}
            />
            <TextField
              label="Legal name"
              value={f.legalName}
              onValue={set('legalName')}
              error={err('legalName')}
            />
          </div>
          <div className="row">
            <TextField
              label="VAT ID"
              value={f.vatId}
              onValue={set('vatId')}
              hint="EU companies: e.g. LV40003000000."
              error={err('vatId')}
            />
            <SelectField
              label="Country"
              value={f.country}
              onValue={set('country')}
              options={countryOptions()}
              error={err('country')}
            />
            <SelectField
              label="Time zone"
              value={f.timeZone}
              onValue={set('timeZone')}
              options={timeZoneOptions()}
              error={err('timeZone')}
            />
          </div>
          <TextField
            label="SIP domain"
            value={f.sipDomain}
            onValue={set('sipDomain')}
            hint="Phones register as extension@this domain; changing it means reconfiguring every phone."
            error={err('sipDomain')}
          />
          <CheckField label="Billing address" checked={hasBilling} onChecked={setHasBilling} />
          {hasBilling ? (
            <AddressFields value={billing} onChange={setBilling} error={info.error} field="billingAddress" />
          ) : null}
          <FormError
            error={info.error}
            atFields={['name', 'legalName', 'vatId', 'country', 'timeZone', 'sipDomain', 'billingAddress']}
          />
          <div className="form-actions">
            <Submit pending={info.pending}>Save company information</Submit>
            <Saved message={saved.info} />
          </div>
        </form>
      </Section>
      <Section title="Security and recording">
        <form onSubmit={savePolicy} noValidate className="narrow">
          <CheckField
            label="Require two-factor authentication for administrators"
            checked={require2fa}
            onChecked={setRequire2fa}
            hint="Administrators without it are asked to turn it on before anything else."
            error={fieldError(policy.error, 'requireAdmin2fa')}
          />
          <TextField
            label="Keep recordings for (days)"
            type="number"
            min={7}
            max={3650}
            value={retention}
            onValue={setRetention}
            hint="From 7 days to 10 years; applies to existing recordings too."
            error={fieldError(policy.error, 'recordingRetentionDays')}
          />
          <SelectField
            label="Recording notice played to callers"
            value={consent}
            onValue={setConsent}
            options={[
              { value: '', label: 'None' },
              ...(prompts.data ?? []).map((p) => ({ value: p.id, label: p.name })),
            ]}
            hint="Many jurisdictions require telling callers that the call is recorded."
            error={fieldError(policy.error, 'recordingConsentPromptId')}
          />
          <FormError
            error={policy.error}
            atFields={['requireAdmin2fa', 'recordingRetentionDays', 'recordingConsentPromptId']}
          />
          <div className="form-actions">
            <Submit pending={policy.pending}>Save policies</Submit>
            <Saved message={saved.policy} />
          </div>
        </form>
      </Section>
    </>
  );
}
