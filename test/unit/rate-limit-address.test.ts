import type { Request } from 'express';
import { addressBucket, clientAddress } from '../../api/middleware/rate-limit';

/** Which budget an address spends: IPv4 as is, IPv6 by its /64 (one subscriber's whole prefix). */
test('IPv4 addresses are their own bucket', () => {
  expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
  expect(addressBucket('unknown')).toBe('unknown');
});

test('IPv6 addresses share a bucket per /64, however they are written', () => {
  expect(addressBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
  expect(addressBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
  expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressBucket('2001:db8:1:3::1')).not.toBe(addressBucket('2001:db8:1:2::1'));
  expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
});

test('the client address is req.ip (as trust proxy computes it), IPv4-mapped IPv6 as IPv4', () => {
  expect(clientAddress({ ip: '::ffff:198.51.100.4', socket: { remoteAddress: '::ffff:127.0.0.1' } } as unknown as Request)).toBe('198.51.100.4');
  expect(clientAddress({ ip: '2001:db8::5', socket: { remoteAddress: '127.0.0.1' } } as unknown as Request)).toBe('2001:db8::5');
  expect(clientAddress({ ip: undefined, socket: { remoteAddress: '10.0.0.1' } } as unknown as Request)).toBe('10.0.0.1');
});
