import { describe, expect, it } from 'vitest';
import { canonicalIp, formatCidr, IpAcl, IpAclError, parseCidr } from '../../src/pbx/ip-acl.ts';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', 4, 0x0a000000n, 8, '10.0.0.0/8'],
    ['192.168.1.7', 4, 0xc0a80107n, 32, '192.168.1.7/32'],
    ['0.0.0.0/0', 4, 0n, 0, '0.0.0.0/0'],
    [' 172.16.0.0/12 ', 4, 0xac100000n, 12, '172.16.0.0/12'],
    ['2001:db8::/32', 6, 0x20010db8n << 96n, 32, '2001:db8::/32'],
    ['2001:DB8:0:0::/48', 6, 0x20010db8n << 96n, 48, '2001:db8::/48'],
    ['::1', 6, 1n, 128, '::1/128'],
    ['::/0', 6, 0n, 0, '::/0'],
    ['fe80::/10', 6, 0xfe80n << 112n, 10, 'fe80::/10'],
    ['2001:db8:0:1:0:0:0:1', 6, (0x20010db8n << 96n) | (1n << 64n) | 1n, 128, '2001:db8:0:1::1/128'],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n, 128, '1:2:3:4:5:6:7:8/128'],
    // IPv4-mapped ranges are IPv4 ranges
    ['::ffff:10.0.0.0/104', 4, 0x0a000000n, 8, '10.0.0.0/8'],
    ['::ffff:1.2.3.4', 4, 0x01020304n, 32, '1.2.3.4/32'],
    ['::FFFF:0102:0304', 4, 0x01020304n, 32, '1.2.3.4/32'],
    // an embedded IPv4 tail outside the mapped range stays IPv6
    ['64:ff9b::192.0.2.0/120', 6, (0x64ff9bn << 96n) | 0xc0000200n, 120, '64:ff9b::c000:200/120'],
  ])('%j', (entry, family, network, prefixLength, text) => {
    const cidr = parseCidr(entry);
    expect(cidr).toEqual({ family, network, prefixLength });
    expect(formatCidr(cidr)).toBe(text);
  });

  it.each([
    ['', /not an IPv4 or IPv6 address/],
    ['banana', /not an IPv4 or IPv6 address/],
    ['10.0.0.0/', /prefix length must be 0-32/],
    ['10.0.0.0/33', /prefix length must be 0-32/],
    ['10.0.0.0/-1', /prefix length must be 0-32/],
    ['10.0.0.0/8/8', /prefix length must be 0-32/],
    ['10.0.0.0/ 8', /prefix length must be 0-32/],
    ['2001:db8::/129', /prefix length must be 0-128/],
    ['10.0.0.256', /not an IPv4 or IPv6 address/],
    ['010.0.0.1', /not an IPv4 or IPv6 address/],
    ['10.0.0', /not an IPv4 or IPv6 address/],
    ['1::2::3', /not an IPv4 or IPv6 address/],
    ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
    ['[::1]', /not an IPv4 or IPv6 address/],
    ['10.0.0.1/8', /host bits are set \(did you mean 10\.0\.0\.0\/8\?\)/],
    ['2001:db8::1/32', /did you mean 2001:db8::\/32\?/],
  ])('rejects %j', (entry, reason) => {
    let error: unknown;
    try {
      parseCidr(entry);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IpAclError);
    const e = error as IpAclError;
    expect(e.entry).toBe(entry);
    expect(e.message).toContain(JSON.stringify(entry));
    expect(e.message).toMatch(reason);
  });
});

describe('IpAcl', () => {
  const acl = new IpAcl(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);

  it.each([
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['9.255.255.255', false],
    ['192.168.1.7', true],
    ['192.168.1.8', false],
    ['::ffff:10.1.2.3', true], // dual-stack sockets report IPv4 peers this way
    ['::ffff:11.1.2.3', false],
    ['2001:db8::1', true],
    ['2001:DB8:ffff::1', true],
    ['2001:db9::1', false],
    ['::1', true],
    ['::2', false],
    ['[2001:db8::5]', true],
    ['fe80::1%eth0', false],
    ['not an ip', false],
    ['', false],
    ['::a00:1', false], // IPv4-compatible (deprecated), not mapped: not 10.0.0.1
  ])('allows(%j) → %s', (ip, expected) => {
    expect(acl.allows(ip)).toBe(expected);
    expect(acl.contains(ip)).toBe(expected);
  });

  it('an empty ACL allows everything', () => {
    const open = new IpAcl([]);
    expect(open.size).toBe(0);
    expect(open.allows('203.0.113.9')).toBe(true);
    expect(open.allows('2001:db8::1')).toBe(true);
    expect(open.contains('203.0.113.9')).toBe(false);
  });

  it('0.0.0.0/0 is every IPv4 address and no IPv6 one', () => {
    const v4 = new IpAcl(['0.0.0.0/0']);
    expect(v4.allows('203.0.113.9')).toBe(true);
    expect(v4.allows('::ffff:203.0.113.9')).toBe(true);
    expect(v4.allows('2001:db8::1')).toBe(false);
  });

  it('a mapped range matches plain IPv4 addresses', () => {
    const mapped = new IpAcl(['::ffff:192.0.2.0/120']);
    expect(mapped.allows('192.0.2.55')).toBe(true);
    expect(mapped.allows('192.0.3.1')).toBe(false);
    expect(mapped.toStrings()).toEqual(['192.0.2.0/24']);
  });

  it('names the first bad entry', () => {
    expect(() => new IpAcl(['10.0.0.0/8', '300.1.1.1', 'x'])).toThrow(
      'invalid IP range "300.1.1.1": not an IPv4 or IPv6 address',
    );
  });

  it('toStrings gives the canonical entries', () => {
    expect(acl.toStrings()).toEqual(['10.0.0.0/8', '192.168.1.7/32', '2001:db8::/32', '::1/128']);
  });
});

describe('canonicalIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not shortened
    ['0:0:0:0:0:0:0:0', '::'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['nope', null],
  ])('%j → %j', (ip, expected) => {
    expect(canonicalIp(ip)).toBe(expected);
  });
});
