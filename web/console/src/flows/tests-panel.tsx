// Flow tests: saved scenarios with what they must lead to, run against the draft after a
// change; a failure says in words what differed.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime } from '../lib/format.ts';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError } from '../ui/forms.tsx';

type RunAll = Response<'POST /api/flow-tests/run'>;

export function TestsPanel({
  ensureSaved,
  version,
}: {
  ensureSaved: () => Promise<boolean>;
  version: number;
}) {
  const tests = useQuery(
    (signal) => call('GET /api/flow-tests', { query: { limit: 200 }, signal }),
    [version],
  );
  const [results, setResults] = useState<RunAll>();
  const action = useAction();
  const runAll = async () => {
    const r = await action.run(async () =>
      (await ensureSaved()) ? call('POST /api/flow-tests/run', { query: {} }) : undefined,
    );
    if (r) {
      setResults(r);
      tests.reload();
    }
  };
  const remove = async (id: string) => {
    const r = await action.run(() => call('DELETE /api/flow-tests/{id}', { params: { id } }));
    if (r !== undefined) tests.reload();
  };
  const resultOf = (id: string) => results?.results.find((r) => r.id === id);
  return (
    <div className="tests">
      <button type="button" className="btn primary" onClick={() => void runAll()} disabled={action.pending}>
        {action.pending ? 'Running…' : 'Run every test on the draft'}
      </button>
      {results ? (
        <p role="status">
          <Badge tone={results.failed ? 'bad' : 'ok'}>
            {results.failed ? `${results.failed} failed` : 'all passed'}
          </Badge>{' '}
          {results.passed} passed, {results.failed} failed.
        </p>
      ) : null}
      <FormError error={action.error} />
      <Loaded query={tests}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No flow tests yet. Run a simulation and keep it as a test.</Empty>
          ) : (
            <ul className="test-list">
              {page.items.map((t) => {
                const r = resultOf(t.id);
                const passed = r ? r.passed : t.lastPassed;
                return (
                  <li key={t.id}>
                    <Badge tone={passed === null || passed === undefined ? 'neutral' : passed ? 'ok' : 'bad'}>
                      {passed === null || passed === undefined ? 'not run' : passed ? 'passed' : 'failed'}
                    </Badge>{' '}
                    <strong>{t.name}</strong>{' '}
                    <span className="muted">
                      {t.lastRunAt ? `last run ${formatDateTime(t.lastRunAt)}` : ''}
                    </span>
                    {r && !r.passed ? (
                      <ul className="failures">
                        {r.failures.map((f) => (
                          <li key={f}>{f}</li>
                        ))}
                      </ul>
                    ) : null}
                    <button
                      type="button"
                      className="btn small"
                      onClick={() => void remove(t.id)}
                      aria-label={`Delete the test ${t.name}`}
                    >
                      Delete
                    </button>
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}
