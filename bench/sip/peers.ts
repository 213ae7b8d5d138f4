// The two parsers we compare with, loaded the way their users load them: the npm `sip`
// package (CommonJS, untyped) and SIP.js's core Parser.
import { createRequire } from 'node:module';
import { LoggerFactory } from 'sip.js/lib/core/log/logger-factory.js';
import { Parser } from 'sip.js/lib/core/messages/parser.js';

interface NpmSip {
  parse(data: Buffer | string): unknown;
  stringify(message: unknown): string;
}

const require = createRequire(import.meta.url);
const npmSip = require('sip') as NpmSip;
const logger = new LoggerFactory().getLogger('bench');
logger.level = 0;

/** npm `sip`: parse the bytes, stringify back, as bytes (what its transport sends). */
export function npmSipRoundTrip(data: Buffer): Buffer {
  const m = npmSip.parse(data);
  return Buffer.from(npmSip.stringify(m), 'binary');
}

/**
 * SIP.js: parse the text with its core Parser. An incoming message keeps its raw text and
 * has no serializer of its own, so the "serialize" half is the bytes of that text.
 */
export function sipJsRoundTrip(data: Buffer): Buffer {
  const m = Parser.parseMessage(data.toString('utf8'), logger);
  if (!m) throw new Error('SIP.js could not parse the message');
  return Buffer.from(m.data, 'utf8');
}
