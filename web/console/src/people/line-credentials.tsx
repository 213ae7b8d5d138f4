// The SIP account of a line as a phone needs it; the password is shown once, when made.
import type { Response } from '../api/client.ts';

export type LineWithPassword = Response<'POST /api/people/{personId}/line'>;

export function LineCredentials({ line }: { line: LineWithPassword }) {
  const registrar = line.registrar.port
    ? `${line.registrar.host}:${line.registrar.port}`
    : line.registrar.host;
  return (
    <div className="notice" role="status">
      <p>
        <strong>Set up the phone now: the password is shown only this once.</strong>
      </p>
      <dl className="facts">
        <dt>SIP username</dt>
        <dd>
          <code>{line.sipUsername}</code>
        </dd>
        <dt>Password</dt>
        <dd>
          <code data-testid="sip-password">{line.sipPassword}</code>
        </dd>
        <dt>Domain</dt>
        <dd>
          <code>{line.sipDomain}</code>
        </dd>
        <dt>Registrar (SIP server)</dt>
        <dd>
          <code>{registrar}</code>
        </dd>
      </dl>
    </div>
  );
}
