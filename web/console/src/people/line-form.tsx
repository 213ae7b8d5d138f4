// "Configure application line" (spec 001): inbound (number, extension, when unavailable,
// voicemail delivery), outbound (external calls, caller IDs, internal caller ID) and call
// recording (by direction, on demand). A controlled form: the page that holds it saves.
import type { ApiFailure, Response } from '../api/client.ts';
import { fieldError } from '../api/hooks.ts';
import { Link } from '../router.tsx';
import { type DeliveryMethod, destinationOf } from '../settings/delivery-methods.tsx';
import { CheckField, SelectField, TextField } from '../ui/forms.tsx';
import { AnnouncementField, type LibraryPrompt } from './announcement-field.tsx';

export type CompanyNumber = Response<'GET /api/numbers'>['items'][number];
export type Line = Response<'GET /api/lines/{id}'>;

export interface LineDraft {
  /** The id of the number routed to this line ('' none). */
  numberId: string;
  extension: string;
  callerIdName: string;
  whenUnavailable: 'hangup' | 'forward' | 'voicemail';
  forwardTo: string;
  ringTimeoutSeconds: string;
  voicemailEmails: string;
  attachAudio: boolean;
  externalCallsAllowed: boolean;
  externalCallerIds: string[];
  internalCallerId: string;
  /** File ids of uploaded prompts ('' none). */
  internalAnnouncementFileId: string;
  externalAnnouncementFileId: string;
  recording: Line['recording'];
}

export const NO_RECORDING: Line['recording'] = {
  inboundInternal: false,
  inboundExternal: false,
  outboundInternal: false,
  outboundExternal: false,
  onDemand: false,
  deliveryMethodIds: [],
};

export function newLineDraft(extension = ''): LineDraft {
  return {
    numberId: '',
    extension,
    callerIdName: '',
    whenUnavailable: 'voicemail',
    forwardTo: '',
    ringTimeoutSeconds: '30',
    voicemailEmails: '',
    attachAudio: true,
    externalCallsAllowed: false,
    externalCallerIds: [],
    internalCallerId: '',
    internalAnnouncementFileId: '',
    externalAnnouncementFileId: '',
    recording: { ...NO_RECORDING },
  };
}

export function draftOfLine(
  line: Line,
  extension: string | null,
  numbers: CompanyNumber[],
  box?: { emails: string[]; attachAudio: boolean },
): LineDraft {
  const wu = line.whenUnavailable;
  return {
    numberId: numbers.find((n) => n.destination?.lineId === line.id)?.id ?? '',
    extension: extension ?? '',
    callerIdName: line.callerIdName ?? '',
    whenUnavailable: wu.action,
    forwardTo: wu.action === 'forward' ? wu.to : '',
    ringTimeoutSeconds: String(line.ringTimeoutSeconds),
    voicemailEmails: box?.emails.join(', ') ?? '',
    attachAudio: box?.attachAudio ?? true,
    externalCallsAllowed: line.externalCallsAllowed,
    externalCallerIds: line.externalCallerIds,
    internalCallerId: line.internalCallerId ?? '',
    internalAnnouncementFileId: line.internalAnnouncementFileId ?? '',
    externalAnnouncementFileId: line.externalAnnouncementFileId ?? '',
    recording: line.recording,
  };
}

/** The line settings of a draft, in the API's words (POST /people/:id/line, PATCH /lines/:id). */
export function lineSettings(d: LineDraft) {
  const timeout = Number(d.ringTimeoutSeconds);
  return {
    callerIdName: d.callerIdName.trim() || null,
    whenUnavailable:
      d.whenUnavailable === 'forward'
        ? { action: 'forward' as const, to: d.forwardTo.trim() }
        : { action: d.whenUnavailable },
    ringTimeoutSeconds: Number.isFinite(timeout) ? timeout : 30,
    externalCallsAllowed: d.externalCallsAllowed,
    externalCallerIds: d.externalCallerIds,
    internalCallerId: d.internalCallerId.trim() || null,
    internalAnnouncementFileId: d.internalAnnouncementFileId || null,
    externalAnnouncementFileId: d.externalAnnouncementFileId || null,
    recording: d.recording,
  };
}

export const voicemailEmails = (d: LineDraft) =>
  d.voicemailEmails
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);

type RecordingFlag = Exclude<keyof Line['recording'], 'deliveryMethodIds'>;

const RECORDING_LABELS: [RecordingFlag, string][] = [
  ['inboundInternal', 'Inbound internal calls'],
  ['inboundExternal', 'Inbound external calls'],
  ['outboundInternal', 'Outbound internal calls'],
  ['outboundExternal', 'Outbound external calls'],
];

export function LineForm({
  value,
  onChange,
  error,
  numbers,
  lineId,
  featureCode,
  prompts,
  deliveryMethods,
}: {
  value: LineDraft;
  onChange: (d: LineDraft) => void;
  error: ApiFailure | undefined;
  numbers: CompanyNumber[];
  /** The audio library (undefined while it loads). */
  prompts: LibraryPrompt[] | undefined;
  /** The company's recording delivery methods (undefined while they load). */
  deliveryMethods: DeliveryMethod[] | undefined;
  lineId?: string | undefined;
  /** The dialled code that turns on recording during a call, when known. */
  featureCode?: string | undefined;
}) {
  const set = <K extends keyof LineDraft>(k: K, v: LineDraft[K]) => onChange({ ...value, [k]: v });
  const err = (f: string) => fieldError(error, f);
  const numberOptions = [
    { value: '', label: 'None' },
    ...numbers.map((n) => {
      const elsewhere = n.destination && n.destination.lineId !== lineId;
      return {
        value: n.id,
        label: `${n.e164}${elsewhere ? ' (routed to another line: choosing it moves it)' : ''}`,
      };
    }),
  ];
  const toggleMethod = (id: string, on: boolean) => {
    const ids = value.recording.deliveryMethodIds;
    set('recording', {
      ...value.recording,
      deliveryMethodIds: on ? [...ids, id] : ids.filter((x) => x !== id),
    });
  };
  const toggleCallerId = (e164: string, on: boolean) =>
    set(
      'externalCallerIds',
      on ? [...value.externalCallerIds, e164] : value.externalCallerIds.filter((x) => x !== e164),
    );

  return (
    <>
      <fieldset>
        <legend>Inbound calls</legend>
        <div className="row">
          <SelectField
            label="Phone number (DID)"
            value={value.numberId}
            onValue={(v) => set('numberId', v)}
            options={numberOptions}
            hint={
              numbers.length
                ? 'Calls to this number ring the line.'
                : 'Your company has no number yet: buy one under Numbers.'
            }
            error={err('destination')}
          />
          <TextField
            label="Internal number (extension)"
            value={value.extension}
            onValue={(v) => set('extension', v)}
            inputMode="numeric"
            hint="3 to 6 digits, unique in your company; also the SIP username."
            error={err('extension') ?? err('sipUsername')}
          />
        </div>
        <div className="row">
          <SelectField
            label="When unavailable"
            value={value.whenUnavailable}
            onValue={(v) => set('whenUnavailable', v as LineDraft['whenUnavailable'])}
            options={[
              { value: 'voicemail', label: 'Route to voicemail' },
              { value: 'forward', label: 'Forward to a number or extension' },
              { value: 'hangup', label: 'Hang up' },
            ]}
            error={
              err('whenUnavailable.action') ??
              (value.whenUnavailable !== 'forward' ? err('whenUnavailable') : undefined)
            }
          />
          {value.whenUnavailable === 'forward' ? (
            <TextField
              label="Forward to"
              value={value.forwardTo}
              onValue={(v) => set('forwardTo', v)}
              hint="An E.164 number (+371...) or an extension."
              error={err('whenUnavailable.to') ?? err('whenUnavailable')}
            />
          ) : (
            <TextField
              label="Ring for (seconds)"
              type="number"
              min={5}
              max={300}
              value={value.ringTimeoutSeconds}
              onValue={(v) => set('ringTimeoutSeconds', v)}
              error={err('ringTimeoutSeconds')}
            />
          )}
        </div>
        {value.whenUnavailable === 'voicemail' ? (
          <div className="row">
            <TextField
              label="Send voicemail to email"
              value={value.voicemailEmails}
              onValue={(v) => set('voicemailEmails', v)}
              hint="Addresses that receive each new message, separated by commas (optional)."
              error={err('emails')}
            />
            <CheckField
              label="Attach the recording (MP3)"
              checked={value.attachAudio}
              onChecked={(v) => set('attachAudio', v)}
            />
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Outbound calls</legend>
        <CheckField
          label="Allow external outbound calls"
          checked={value.externalCallsAllowed}
          onChecked={(v) => set('externalCallsAllowed', v)}
        />
        <fieldset className="inner">
          <legend>Caller IDs for external calls</legend>
          {numbers.length === 0 ? (
            <span className="hint">Your company has no number to show yet.</span>
          ) : null}
          <div className="chips">
            {numbers.map((n) => (
              <CheckField
                key={n.id}
                label={n.e164}
                checked={value.externalCallerIds.includes(n.e164)}
                onChecked={(on) => toggleCallerId(n.e164, on)}
              />
            ))}
          </div>
          {err('externalCallerIds') ? <span className="field-error">{err('externalCallerIds')}</span> : null}
        </fieldset>
        <div className="row">
          <TextField
            label="Internal caller ID"
            value={value.internalCallerId}
            onValue={(v) => set('internalCallerId', v)}
            inputMode="numeric"
            hint="The extension colleagues see (empty: the line's own)."
            error={err('internalCallerId')}
          />
          <TextField
            label="Caller name"
            value={value.callerIdName}
            onValue={(v) => set('callerIdName', v)}
            hint="Shown with the number (empty: the person's name)."
            error={err('callerIdName')}
          />
        </div>
        <div className="row">
          <AnnouncementField
            label="Internal announcement"
            hint="Played to a colleague this line calls when they answer, before the call connects."
            value={value.internalAnnouncementFileId}
            onValue={(v) => set('internalAnnouncementFileId', v)}
            prompts={prompts}
            error={err('internalAnnouncementFileId')}
          />
          <AnnouncementField
            label="External announcement"
            hint="Played to an outside number this line calls when it answers, before the call connects."
            value={value.externalAnnouncementFileId}
            onValue={(v) => set('externalAnnouncementFileId', v)}
            prompts={prompts}
            error={err('externalAnnouncementFileId')}
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Call recording</legend>
        <div className="chips">
          {RECORDING_LABELS.map(([k, label]) => (
            <CheckField
              key={k}
              label={label}
              checked={value.recording[k]}
              onChecked={(on) => set('recording', { ...value.recording, [k]: on })}
            />
          ))}
        </div>
        <CheckField
          label="Record on demand"
          checked={value.recording.onDemand}
          onChecked={(on) => set('recording', { ...value.recording, onDemand: on })}
          hint={
            featureCode
              ? `During a call, dialling ${featureCode} starts recording it.`
              : 'During a call, the record feature code starts recording it.'
          }
          error={
            err('recording.onDemand') ?? (err('recording.deliveryMethodIds') ? undefined : err('recording'))
          }
        />
        <fieldset className="inner">
          <legend>Delivery methods</legend>
          {deliveryMethods?.length === 0 ? (
            <span className="hint">
              No delivery methods yet: add one under{' '}
              <Link to="/settings?tab=delivery">Settings → Delivery methods</Link> to send recordings by email
              or to your server.
            </span>
          ) : (
            <span className="hint">
              Every recording of this person's calls is also sent to each one chosen.
            </span>
          )}
          <div className="chips">
            {(deliveryMethods ?? []).map((m) => (
              <CheckField
                key={m.id}
                label={m.name}
                checked={value.recording.deliveryMethodIds.includes(m.id)}
                onChecked={(on) => toggleMethod(m.id, on)}
                title={destinationOf(m)}
              />
            ))}
          </div>
          {err('recording.deliveryMethodIds') ? (
            <span className="field-error">{err('recording.deliveryMethodIds')}</span>
          ) : null}
        </fieldset>
      </fieldset>
    </>
  );
}
