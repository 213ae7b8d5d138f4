// Simulate: run a scenario through the draft (the server's simulator, no call placed), step
// through the trace with each step highlighted on the canvas, and keep the scenario as a
// flow test that must keep passing.
import type { SimulationResult, Workspace } from '@switchboard/flows';
import { useEffect, useState } from 'react';
import { call } from '../api/client.ts';
import { fieldError, useAction } from '../api/hooks.ts';
import { isoToLocalInput, localInputWithOffset } from '../lib/format.ts';
import { Badge, Saved } from '../ui/feedback.tsx';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { type FlowData, withNames } from './flow-data.ts';
import { newScenario, type ScenarioDraft, ScenarioForm, toScenario } from './scenario-form.tsx';

export type Highlight = (current: string | undefined, visited: ReadonlySet<string>) => void;

const END_TEXT: Record<string, string> = {
  hangup: 'The call ends (hang up).',
  answered: 'Someone answered.',
  'caller-gone': 'The caller hung up.',
  'no-cable': 'An output leads nowhere: the call ends there.',
  'step-limit': 'The flow went round too long and was stopped.',
  error: 'The flow stopped with an error.',
};

export function SimulatePanel({
  ws,
  data,
  ensureSaved,
  highlight,
  onTestSaved,
}: {
  ws: Workspace;
  data: FlowData | undefined;
  ensureSaved: () => Promise<boolean>;
  highlight: Highlight;
  onTestSaved: () => void;
}) {
  const [scenario, setScenario] = useState<ScenarioDraft>(() => newScenario(ws, isoToLocalInput(new Date())));
  const [result, setResult] = useState<SimulationResult>();
  const [step, setStep] = useState(0);
  const run = useAction();
  const saveTest = useAction();
  const [testName, setTestName] = useState('');
  const [saved, setSaved] = useState<string>();

  const steps = result?.steps ?? [];
  // biome-ignore lint/correctness/useExhaustiveDependencies: highlight follows the trace and the step.
  useEffect(() => {
    if (!result) return highlight(undefined, new Set());
    const upTo = steps.slice(0, step + 1).map((s) => s.nodeId);
    highlight(steps[step]?.nodeId, new Set(upTo));
  }, [result, step]);
  useEffect(() => () => highlight(undefined, new Set()), [highlight]);

  const simulate = async (e: React.FormEvent) => {
    e.preventDefault();
    setSaved(undefined);
    const r = await run.run(async () => {
      if (!(await ensureSaved())) return undefined;
      const out = await call('POST /api/workspace/simulate', {
        body: { scenario: toScenario(scenario, localInputWithOffset(scenario.at)) },
      });
      return out.result as SimulationResult;
    });
    if (r) {
      setResult(r);
      setStep(0);
    }
  };

  const keepAsTest = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!result) return;
    const expected = {
      endReason: result.end.reason,
      ...(result.end.nodeId ? { endsAt: result.end.nodeId } : {}),
      visits: result.steps.map((s) => s.nodeId).filter((id, i, all) => all.indexOf(id) === i),
    };
    const t = await saveTest.run(() =>
      call('POST /api/flow-tests', {
        body: { name: testName, scenario: toScenario(scenario, localInputWithOffset(scenario.at)), expected },
      }),
    );
    if (t) {
      setSaved(`Saved the test “${t.name}”.`);
      setTestName('');
      onTestSaved();
    }
  };

  return (
    <div className="simulate">
      <form onSubmit={simulate} noValidate>
        <ScenarioForm
          ws={ws}
          data={data}
          value={scenario}
          onChange={setScenario}
          err={(f) => fieldError(run.error, f)}
        />
        <FormError
          error={run.error}
          atFields={[
            'scenario.entry',
            'scenario.caller',
            'scenario.at',
            'scenario.digits',
            'scenario.httpReplies',
          ]}
        />
        <Submit pending={run.pending} busy="Running…">
          Run simulation
        </Submit>
      </form>
      {result ? (
        <section className="trace" aria-label="Simulation result">
          <p className="trace-end" role="status">
            <Badge
              tone={
                result.end.reason === 'answered'
                  ? 'ok'
                  : result.end.reason === 'error' || result.end.reason === 'no-cable'
                    ? 'bad'
                    : 'neutral'
              }
            >
              {result.end.reason}
            </Badge>{' '}
            {END_TEXT[result.end.reason]} {withNames(result.end.detail, data)}
          </p>
          <div className="trace-nav">
            <button
              type="button"
              className="btn small"
              onClick={() => setStep(Math.max(0, step - 1))}
              disabled={step === 0}
            >
              Previous step
            </button>
            <span>
              Step {Math.min(step + 1, steps.length)} of {steps.length}
            </span>
            <button
              type="button"
              className="btn small"
              onClick={() => setStep(Math.min(steps.length - 1, step + 1))}
              disabled={step >= steps.length - 1}
            >
              Next step
            </button>
          </div>
          <ol className="trace-steps">
            {steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a trace visits a node more than once; the position is the step.
              <li key={`${i}-${s.nodeId}`} className={i === step ? 'current' : i < step ? 'done' : undefined}>
                <button
                  type="button"
                  className="link"
                  onClick={() => setStep(i)}
                  aria-current={i === step ? 'step' : undefined}
                >
                  {s.name || s.nodeId}
                </button>{' '}
                <span className="muted">
                  {withNames(s.detail, data)}
                  {s.output ? ` → ${s.output}` : ''}
                </span>
              </li>
            ))}
          </ol>
          <p className="muted">
            Caller at the end: {result.caller.name ? `${result.caller.name} ` : ''}
            {result.caller.number}
          </p>
          <form onSubmit={keepAsTest} noValidate className="keep-test">
            <TextField
              label="Keep as a flow test named"
              value={testName}
              onValue={setTestName}
              required
              error={fieldError(saveTest.error, 'name')}
            />
            <FormError error={saveTest.error} atFields={['name']} />
            <Submit pending={saveTest.pending}>Save test</Submit>
            <Saved message={saved} />
          </form>
        </section>
      ) : null}
    </div>
  );
}
