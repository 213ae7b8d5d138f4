// Numbers (spec 000 "Phone numbers"): the company's numbers with where they ring and their
// emergency address; buying from the inventory; porting numbers in.
import { setQuery, useLocation } from '../router.tsx';
import { canWrite, useRole } from '../session.tsx';
import { Page, TabBar } from '../ui/layout.tsx';
import { BuyNumbers } from './buy-numbers.tsx';
import { OwnNumbers } from './own-numbers.tsx';
import { PortIn } from './port-in.tsx';

export function NumbersPage() {
  const role = useRole();
  const tab = useLocation().query.get('tab') ?? 'own';
  const tabs = [
    { id: 'own', label: 'Your numbers' },
    ...(canWrite(role, 'numbers') ? [{ id: 'buy', label: 'Buy' }] : []),
    { id: 'port-in', label: 'Port in' },
  ];
  return (
    <Page title="Numbers">
      <TabBar tabs={tabs} current={tab} onSelect={(id) => setQuery({ tab: id === 'own' ? undefined : id })} />
      {tab === 'buy' ? <BuyNumbers /> : tab === 'port-in' ? <PortIn /> : <OwnNumbers />}
    </Page>
  );
}
