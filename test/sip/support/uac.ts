// Client-side helpers for tests, on top of TestUa: one transaction to its final response,
// a call (INVITE, ACK, BYE) and a registration with Digest.
import {
  type ClientTransaction,
  type Dialog,
  DigestClient,
  type Flow,
  newCallId,
  newTag,
  SipRequest,
  type SipResponse,
  type SipStack,
  SipUri,
  type Target,
} from '../../../src/sip/index.ts';
import { SDP, type TestUa } from './test-ua.ts';

/** Sends a request in a client transaction and resolves with its final response (408 on timeout). */
export function transact(
  ua: TestUa,
  request: SipRequest,
  target: Target | Flow,
  onProvisional?: (r: SipResponse, tx: ClientTransaction) => void,
): Promise<{ response: SipResponse; tx: ClientTransaction }> {
  return new Promise((resolve, reject) => {
    ua.stack
      .request(
        request,
        {
          onResponse: (r, tx) => {
            if (r.status < 200) onProvisional?.(r, tx);
            else resolve({ response: r, tx });
          },
          onTimeout: () => reject(new Error(`${request.method} timed out`)),
          onTransportError: (e) => reject(e),
        },
        { target },
      )
      .catch(reject);
  });
}

export function newRequest(
  stack: SipStack,
  method: string,
  uri: string,
  protocol: Target['protocol'],
): SipRequest {
  const req = new SipRequest(method, SipUri.parse(uri));
  req.append('From', `<sip:tester@${stack.viaHost(protocol)}>;tag=${newTag()}`);
  req.append('To', `<${uri}>`);
  req.append('Call-ID', newCallId());
  req.append('CSeq', `1 ${method}`);
  return req;
}

export interface Call {
  dialog: Dialog;
  flow: Target | Flow;
  response: SipResponse;
  bye(): Promise<SipResponse>;
}

/** INVITE with SDP; on a 2xx builds the dialog and ACKs it (again for every retransmitted 2xx). */
export async function call(ua: TestUa, target: Target, uri: string): Promise<Call> {
  const invite = newRequest(ua.stack, 'INVITE', uri, target.protocol);
  invite.append('Contact', `<sip:tester@${ua.stack.hostPort(target.protocol)};transport=${target.protocol}>`);
  invite.append('Content-Type', 'application/sdp');
  invite.body = Buffer.from(SDP(41000));
  let ack: SipRequest | undefined;
  let flow: Target | Flow = target;
  const sendAck = (r: SipResponse) => {
    const dialog = ua.dialogs.fromResponse(invite, r);
    if (!dialog) return;
    const a = ack ?? dialog.createAck(invite);
    ack = a;
    void ua.stack.sendStateless(a, flow).catch(() => {});
  };
  ua.onStrayResponse = sendAck;
  const { response, tx } = await transact(ua, invite, target);
  flow = ua.stack.flowOf(tx) ?? target;
  if (response.status >= 300) throw new Error(`INVITE answered ${response.status}`);
  sendAck(response);
  const dialog = ua.dialogs.forResponse(response)!;
  return {
    dialog,
    flow,
    response,
    bye: async () => {
      const bye = dialog.createRequest('BYE');
      const r = await transact(ua, bye, flow);
      ua.dialogs.delete(dialog);
      return r.response;
    },
  };
}

/** REGISTER, answering one Digest challenge (RFC 3261 §10.2, §22.2). */
export async function register(
  ua: TestUa,
  target: Target,
  registrar: string,
  user: string,
  password: string,
): Promise<SipResponse[]> {
  const req = newRequest(ua.stack, 'REGISTER', registrar, target.protocol);
  req.set('To', `<sip:${user}@${SipUri.parse(registrar).host}>`);
  req.set('From', `<sip:${user}@${SipUri.parse(registrar).host}>;tag=${newTag()}`);
  req.append('Contact', `<sip:${user}@${ua.stack.hostPort(target.protocol)};transport=${target.protocol}>`);
  req.append('Expires', '600');
  const first = await transact(ua, req, target);
  if (first.response.status !== 401 && first.response.status !== 407) return [first.response];
  const again = newRequest(ua.stack, 'REGISTER', registrar, target.protocol);
  for (const h of ['To', 'From', 'Call-ID', 'Contact', 'Expires']) again.set(h, req.get(h));
  again.set('CSeq', '2 REGISTER');
  if (!new DigestClient({ username: user, password }).authorize(again, first.response))
    return [first.response];
  const second = await transact(ua, again, target);
  return [first.response, second.response];
}
