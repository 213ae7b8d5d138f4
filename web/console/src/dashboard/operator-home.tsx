// The platform operator's first page: the companies on the platform with their status, and
// the number inventory (how many numbers are free and assigned, by country and type). The
// rest of the operator's work (trunks, rates, port-in review) is in the API.
import { allPages, call, type Response } from '../api/client.ts';
import { useQuery } from '../api/hooks.ts';
import { formatDate } from '../lib/format.ts';
import { useReadyMarker } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { Page, Section } from '../ui/layout.tsx';

/**
 * GET /api/operator/tenants describes its items loosely (any); they are the company view the
 * PATCH answers with.
 */
type Company = Omit<Response<'PATCH /api/operator/tenants/{id}'>, 'outboundTrunkId'>;
type InventoryNumber = Response<'GET /api/operator/numbers'>['items'][number];

const STATUS_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'neutral'> = {
  active: 'ok',
  pending_verification: 'warn',
  suspended: 'bad',
};

export function OperatorHome() {
  const companies = useQuery(
    (signal) =>
      allPages((cursor) => call('GET /api/operator/tenants', { query: { limit: 200, cursor }, signal })).then(
        (items) => items as Company[],
      ),
    [],
  );
  const numbers = useQuery(
    (signal) =>
      allPages((cursor) => call('GET /api/operator/numbers', { query: { limit: 200, cursor }, signal })),
    [],
  );
  useReadyMarker(!!companies.data && !!numbers.data);
  return (
    <Page title="Platform operator">
      <Section title="Companies">
        <Loaded query={companies}>
          {(list) =>
            list.length === 0 ? (
              <Empty>No company has signed up yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table className="companies">
                  <thead>
                    <tr>
                      <th scope="col">Company</th>
                      <th scope="col">Country</th>
                      <th scope="col">SIP domain</th>
                      <th scope="col">Status</th>
                      <th scope="col">Since</th>
                      <th scope="col">Numbers</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((c) => (
                      <tr key={c.id}>
                        <td>{c.name}</td>
                        <td>{c.country}</td>
                        <td>
                          <code>{c.sipDomain}</code>
                        </td>
                        <td>
                          <Badge tone={STATUS_TONE[c.status] ?? 'neutral'}>
                            {c.status.replace(/_/g, ' ')}
                          </Badge>
                        </td>
                        <td>{formatDate(c.createdAt)}</td>
                        <td>{numbers.data ? numbers.data.filter((n) => n.tenantId === c.id).length : '…'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      <Section title="Number inventory">
        <Loaded query={numbers}>{(list) => <Inventory numbers={list} />}</Loaded>
      </Section>
      <Section title="Everything else">
        <p>
          Trunks, rates, SIP bans, port-in review and the mail outbox are managed through the API (tag{' '}
          <em>platform</em> in the <a href="/api/docs">API documentation</a>).
        </p>
      </Section>
    </Page>
  );
}

function Inventory({ numbers }: { numbers: InventoryNumber[] }) {
  if (numbers.length === 0)
    return <Empty>The inventory is empty: add numbers with POST /api/operator/numbers.</Empty>;
  const groups = new Map<string, { country: string; type: string; available: number; assigned: number }>();
  for (const n of numbers) {
    const key = `${n.country} ${n.type}`;
    const g = groups.get(key) ?? { country: n.country, type: n.type, available: 0, assigned: 0 };
    if (n.tenantId) g.assigned++;
    else g.available++;
    groups.set(key, g);
  }
  const rows = [...groups.values()].sort(
    (a, b) => a.country.localeCompare(b.country) || a.type.localeCompare(b.type),
  );
  const free = numbers.filter((n) => !n.tenantId).length;
  return (
    <>
      <p>
        {free} of {numbers.length} numbers available to buy.
      </p>
      <div className="table-wrap">
        <table className="inventory">
          <thead>
            <tr>
              <th scope="col">Country</th>
              <th scope="col">Type</th>
              <th scope="col">Available</th>
              <th scope="col">Assigned</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((g) => (
              <tr key={`${g.country} ${g.type}`}>
                <td>{g.country}</td>
                <td>{g.type}</td>
                <td>{g.available}</td>
                <td>{g.assigned}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
