// Settings (spec 000 "Account setup", "Security best practices"): company information and
// policies, calling limits, feature codes, recording delivery methods, API keys and the audit
// log.
import { setQuery, useLocation } from '../router.tsx';
import { Page, TabBar } from '../ui/layout.tsx';
import { ApiKeys } from './api-keys.tsx';
import { AuditLog } from './audit-log.tsx';
import { CallingSettings } from './calling-settings.tsx';
import { CompanySettings } from './company-settings.tsx';
import { DeliveryMethods } from './delivery-methods.tsx';
import { FeatureCodes } from './feature-codes.tsx';

const TABS = [
  { id: 'company', label: 'Company' },
  { id: 'calling', label: 'Calling and SIP' },
  { id: 'feature-codes', label: 'Feature codes' },
  { id: 'delivery', label: 'Delivery methods' },
  { id: 'api-keys', label: 'API keys' },
  { id: 'audit', label: 'Audit log' },
];

export function SettingsPage() {
  const tab = useLocation().query.get('tab') ?? 'company';
  return (
    <Page title="Settings">
      <TabBar
        tabs={TABS}
        current={tab}
        onSelect={(id) => setQuery({ tab: id === 'company' ? undefined : id })}
      />
      {tab === 'calling' ? (
        <CallingSettings />
      ) : tab === 'feature-codes' ? (
        <FeatureCodes />
      ) : tab === 'delivery' ? (
        <DeliveryMethods />
      ) : tab === 'api-keys' ? (
        <ApiKeys />
      ) : tab === 'audit' ? (
        <AuditLog />
      ) : (
        <CompanySettings />
      )}
    </Page>
  );
}
