// Typical messages of a PBX's day: an INVITE with SDP from a desk phone, the 200 OK that
// answers it, and a REGISTER with Digest credentials.
const crlf = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}`);

const sdp = [
  'v=0',
  'o=- 3914419318 3914419318 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 40000 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const len = Buffer.byteLength(sdp);

export const INVITE = crlf([
  'INVITE sip:+15551234567@pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a3c2b1d0e9f8;rport',
  'Max-Forwards: 70',
  'Contact: <sip:201@192.0.2.10:5060;transport=udp>',
  'To: <sip:+15551234567@pbx.example.com>',
  'From: "Front Desk" <sip:201@pbx.example.com>;tag=3f1a9c2e',
  'Call-ID: 7d3b2a1c-9e8f-4a5b-8c7d-6e5f4a3b2c1d',
  'CSeq: 2 INVITE',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE',
  'Content-Type: application/sdp',
  'Supported: replaces, timer',
  'User-Agent: Yealink SIP-T46S 66.86.0.15',
  'Allow-Events: talk, hold, conference, refer, check-sync',
  `Content-Length: ${len}`,
  '',
  sdp,
]);

export const OK = crlf([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---a3c2b1d0e9f8;rport=5060;received=192.0.2.10',
  'Record-Route: <sip:pbx.example.com;lr>',
  'Contact: <sip:+15551234567@198.51.100.7:5060>',
  'To: <sip:+15551234567@pbx.example.com>;tag=as5e2c1f0a',
  'From: "Front Desk" <sip:201@pbx.example.com>;tag=3f1a9c2e',
  'Call-ID: 7d3b2a1c-9e8f-4a5b-8c7d-6e5f4a3b2c1d',
  'CSeq: 2 INVITE',
  'Server: Switchboard',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO',
  'Supported: replaces, timer',
  'Content-Type: application/sdp',
  `Content-Length: ${len}`,
  '',
  sdp,
]);

export const REGISTER = crlf([
  'REGISTER sip:pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-524287-1---9a8b7c6d5e4f;rport',
  'Max-Forwards: 70',
  'Contact: <sip:201@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000B82D6B3A4>"',
  'To: <sip:201@pbx.example.com>',
  'From: <sip:201@pbx.example.com>;tag=8c1e2f3a',
  'Call-ID: 2b9f1c8e7d6a5b4c3d2e1f0a',
  'CSeq: 3 REGISTER',
  'Expires: 3600',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'User-Agent: Yealink SIP-T46S 66.86.0.15',
  'Authorization: Digest username="201", realm="pbx.example.com", nonce="AAABk9xW3mKk6Pq2Yx0b4Qn7", uri="sip:pbx.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
  'Allow-Events: talk, hold, conference, refer, check-sync',
  'Content-Length: 0',
  '',
  '',
]);
