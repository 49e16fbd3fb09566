import { addressRefusal, checkEndpointUrl } from '../../domain/webhooks/url';

const production = { allowLoopback: false };
const local = { allowLoopback: true };
const reason = (url: string, policy = production) => {
  const verdict = checkEndpointUrl(url, policy);
  return verdict.ok ? undefined : verdict.reason;
};

describe('webhook endpoint URLs', () => {
  test('public https URLs are accepted', () => {
    expect(reason('https://hooks.example.com/trellis?x=1')).toBeUndefined();
    expect(reason('https://93.184.216.34:8443/in')).toBeUndefined();
  });

  test('production refuses plain http and loopback, even http on 127.0.0.1', () => {
    expect(reason('http://hooks.example.com/in')).toBe('must use https');
    expect(reason('http://127.0.0.1:9000/in')).toMatch(/loopback/);
    expect(reason('https://localhost/in')).toMatch(/loopback/);
    expect(reason('https://[::1]/in')).toMatch(/loopback/);
  });

  test('the local policy allows loopback over http, and nothing else private', () => {
    expect(reason('http://127.0.0.1:9000/in', local)).toBeUndefined();
    expect(reason('http://localhost:9000/in', local)).toBeUndefined();
    expect(reason('http://[::1]:9000/in', local)).toBeUndefined();
    expect(reason('http://example.com/in', local)).toBe('must use https');
    expect(reason('https://10.1.2.3/in', local)).toMatch(/private, link-local or reserved/);
  });

  test('private, link-local, metadata and reserved addresses are refused', () => {
    for (const url of ['https://10.0.0.1/', 'https://172.16.5.4/', 'https://192.168.0.10/', 'https://169.254.169.254/latest', 'https://100.64.0.1/', 'https://0.0.0.0/', 'https://[fe80::1]/', 'https://[fd00::1]/', 'https://[::ffff:10.0.0.1]/', 'https://224.0.0.1/']) {
      expect([url, reason(url)]).toEqual([url, expect.stringMatching(/must (point at a public address|not point at a loopback)/)]);
    }
  });

  test('other schemes, credentials, fragments and garbage are refused', () => {
    expect(reason('ftp://example.com/x')).toBe('must use https');
    expect(reason('file:///etc/passwd')).toBe('must use https');
    expect(reason('https://u:p@example.com/')).toMatch(/user name or password/);
    expect(reason('https://example.com/#x')).toMatch(/fragment/);
    expect(reason('example.com/hook')).toBe('is not an absolute URL');
  });

  test('resolved addresses are judged the same way, IPv4-mapped IPv6 included', () => {
    expect(addressRefusal('8.8.8.8', production)).toBeUndefined();
    expect(addressRefusal('2606:4700::1111', production)).toBeUndefined();
    expect(addressRefusal('127.0.0.53', production)).toMatch(/loopback/);
    expect(addressRefusal('127.0.0.53', local)).toBeUndefined();
    expect(addressRefusal('::ffff:7f00:1', production)).toMatch(/loopback/);
    expect(addressRefusal('::ffff:169.254.169.254', local)).toMatch(/private/);
  });
});
