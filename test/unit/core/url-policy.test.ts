import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkSubscriptionUrl, isIpLiteral, isLoopbackHost, MAX_URL_LENGTH } from '../../../lambdas/core/url-policy.js';
import { AWS_POLICY, LOCAL_POLICY } from './fixtures.js';

const PORTS_POLICY = { allowHttpLoopback: false, allowedPorts: [8443, 9443] };

function reasonOf(url: string, policy = AWS_POLICY): string | undefined {
  const check = checkSubscriptionUrl(url, policy);
  return check.ok ? undefined : check.reason;
}

/** `raw` passes the AWS policy, normalised to `href`. */
function expectAcceptedAs(raw: string, href: string): void {
  const check = checkSubscriptionUrl(raw, AWS_POLICY);
  expect(check).toMatchObject({ ok: true });
  expect(check.ok && check.url.href).toBe(href);
}

describe('URL policy', () => {
  it.each([
    ['https://hooks.example.com/orders', 'https://hooks.example.com/orders'],
    ['https://hooks.example.com', 'https://hooks.example.com/'],
    ['HTTPS://Hooks.EXAMPLE.com/Path?q=1&r=a%20b', 'https://hooks.example.com/Path?q=1&r=a%20b'],
    ['https://hooks.example.com./x', 'https://hooks.example.com./x'],
    // A default port written out is no port at all: normalised away, accepted.
    ['https://hooks.example.com:443/x', 'https://hooks.example.com/x'],
    // IDN hosts, normalised to punycode.
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['https://例え.テスト/path', 'https://xn--r8jz45g.xn--zckzah/path'],
    ['https://xn--bcher-kva.example/', 'https://xn--bcher-kva.example/'],
    ['https://MÜNCHEN.example/', 'https://xn--mnchen-3ya.example/'],
  ])('accepts %s as %s', expectAcceptedAs);

  describe('https only', () => {
    it.each(['http://hooks.example.com/', 'ftp://hooks.example.com/', 'ws://hooks.example.com/', 'wss://hooks.example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,x'])(
      'refuses %s',
      (url) => {
        expect(reasonOf(url)).toBe('must use https');
      },
    );

    it('in local mode still refuses http to a public host, saying why', () => {
      expect(reasonOf('http://hooks.example.com/', LOCAL_POLICY)).toBe('must use https (http is allowed only to loopback hosts)');
    });

    it.each(['', 'hooks.example.com/x', '/relative', 'https://', 'https://exa mple.com/', 'https://hooks.example.123/'])('refuses the non-URL %j', (url) => {
      expect(reasonOf(url)).toBeDefined();
    });
  });

  describe('IP literals in every notation are refused', () => {
    it.each([
      ['https://127.0.0.1/', 'dotted decimal'],
      ['https://10.0.0.1/', 'private'],
      ['https://8.8.8.8/', 'public'],
      ['https://169.254.169.254/latest/meta-data/', 'metadata'],
      ['https://2130706433/', 'one 32-bit decimal number'],
      ['https://0x7f000001/', 'one hex number'],
      ['https://0x7f.1/', 'hex with short form'],
      ['https://017700000001/', 'one octal number'],
      ['https://0177.0.0.1/', 'octal octet'],
      ['https://127.1/', 'two-part short form'],
      ['https://127.0.1/', 'three-part short form'],
      ['https://0/', 'zero'],
      ['https://0x7F.0X0.0.01/', 'mixed hex/octal case'],
      ['https://１２７.０.０.１/', 'full-width digits'],
      ['https://127.0.0.1./', 'trailing dot'],
      ['https://[::1]/', 'IPv6 loopback'],
      ['https://[0:0:0:0:0:0:0:1]/', 'IPv6 loopback, long form'],
      ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped IPv6'],
      ['https://[::ffff:7f00:1]/', 'IPv4-mapped IPv6, hex'],
      ['https://[2001:db8::1]/', 'global IPv6'],
      ['https://[fe80::1]/', 'link-local IPv6'],
      ['https://[::]/', 'unspecified IPv6'],
    ])('%s (%s)', (url) => {
      expect(reasonOf(url)).toBe('must use a domain name, not an IP address');
    });

    it('refuses them on an allowed port too', () => {
      expect(reasonOf('https://2130706433:8443/', PORTS_POLICY)).toBe('must use a domain name, not an IP address');
    });

    it('refuses any IPv4 address, however written (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom('decimal', 'hex', 'octal', 'dotted', 'dotted-hex'), (n, notation) => {
          const octets = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
          const host = {
            decimal: String(n),
            hex: `0x${n.toString(16)}`,
            octal: `0${n.toString(8)}`,
            dotted: octets.join('.'),
            'dotted-hex': octets.map((o) => `0x${o.toString(16)}`).join('.'),
          }[notation];
          expect(reasonOf(`https://${host}/`)).toBe('must use a domain name, not an IP address');
        }),
      );
    });

    it('refuses any IPv6 address (property)', () => {
      fc.assert(
        fc.property(fc.ipV6(), (ip) => {
          expect(reasonOf(`https://[${ip}]/`)).toBe('must use a domain name, not an IP address');
        }),
      );
    });
  });

  describe('host names', () => {
    it.each(['https://localhost/', 'https://LOCALHOST./', 'https://api.localhost/'])('refuses the loopback name %s', (url) => {
      expect(reasonOf(url)).toBe('must not point to a loopback host');
    });

    it.each(['https://intranet/', 'https://metadata/'])('refuses the single-label name %s', (url) => {
      expect(reasonOf(url)).toBe('must use a fully qualified domain name');
    });

    it('accepts every well-formed domain name (property)', () => {
      const label = fc.stringMatching(/^[a-z](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
      fc.assert(
        fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('com', 'org', 'io', 'example'), (labels, tld) => {
          const host = [...labels, tld].join('.');
          const check = checkSubscriptionUrl(`https://${host}/hook`, AWS_POLICY);
          expect(check.ok && check.url.hostname).toBe(host);
        }),
      );
    });
  });

  describe('userinfo and fragments', () => {
    it.each([
      'https://user:pass@hooks.example.com/',
      'https://user@hooks.example.com/',
      'https://:pass@hooks.example.com/',
      'https://@hooks.example.com/',
      'https://:@hooks.example.com/',
      'https://hooks.example.com@evil.example.net/',
      'https:\\\\user@hooks.example.com/',
    ])('refuses credentials in %s', (url) => {
      expect(reasonOf(url)).toBe('must not contain credentials (userinfo)');
    });

    it.each(['https://hooks.example.com/#frag', 'https://hooks.example.com/#', 'https://hooks.example.com/x?y=1#z'])('refuses the fragment in %s', (url) => {
      expect(reasonOf(url)).toBe('must not contain a fragment');
    });
  });

  describe('explicit ports', () => {
    it.each(['https://hooks.example.com:8443/', 'https://hooks.example.com:1/', 'https://hooks.example.com:65535/', 'https://hooks.example.com:80/'])(
      'refuses %s when the deployment allows no port',
      (url) => {
        expect(reasonOf(url)).toBe('must not specify a port');
      },
    );

    it('accepts a port the deployment allows and keeps it', () => {
      const check = checkSubscriptionUrl('https://hooks.example.com:8443/x', PORTS_POLICY);
      expect(check.ok && check.url.port).toBe('8443');
    });

    it('refuses a port the deployment does not allow, listing the allowed ones', () => {
      expect(reasonOf('https://hooks.example.com:8080/', PORTS_POLICY)).toBe('port 8080 is not allowed (allowed: 8443, 9443)');
    });

    it('refuses an out-of-range port as a malformed URL', () => {
      expect(reasonOf('https://hooks.example.com:65536/')).toBe('must be an absolute URL');
    });
  });

  describe('local mode: http to loopback', () => {
    it.each(['http://127.0.0.1:8080/hook', 'http://localhost:3000/', 'http://[::1]:9000/', 'https://127.0.0.1:8443/', 'http://127.42.0.1/', 'http://2130706433:8080/'])(
      'accepts %s when local mode allows it',
      (url) => {
        expect(checkSubscriptionUrl(url, LOCAL_POLICY)).toMatchObject({ ok: true });
      },
    );

    it.each([
      ['http://127.0.0.1:8080/hook', 'must use https'],
      ['http://localhost:3000/', 'must use https'],
      ['http://[::1]:9000/', 'must use https'],
      ['https://127.0.0.1/', 'must use a domain name, not an IP address'],
    ])('refuses %s in an AWS deployment', (url, reason) => {
      expect(reasonOf(url, AWS_POLICY)).toBe(reason);
    });

    it.each(['http://10.0.0.1/', 'http://192.168.1.1:8080/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/'])(
      'still refuses the non-loopback address %s in local mode',
      (url) => {
        expect(reasonOf(url, LOCAL_POLICY)).toBeDefined();
      },
    );

    it('still refuses userinfo and fragments to loopback', () => {
      expect(reasonOf('http://u:p@127.0.0.1/', LOCAL_POLICY)).toBe('must not contain credentials (userinfo)');
      expect(reasonOf('http://127.0.0.1/#x', LOCAL_POLICY)).toBe('must not contain a fragment');
    });
  });

  it('refuses URLs longer than the limit', () => {
    const url = `https://hooks.example.com/${'a'.repeat(MAX_URL_LENGTH)}`;
    expect(reasonOf(url)).toBe(`must be at most ${MAX_URL_LENGTH} characters`);
  });

  it.each([' https://hooks.example.com/', 'https://hooks.example.com/ ', 'https://hooks.example.com/a\tb', 'https://hooks.example.com/\n', 'https://hooks.example.com/\u0000'])(
    'refuses whitespace or control characters in %j',
    (url) => {
      expect(reasonOf(url)).toBe('must not contain whitespace or control characters');
    },
  );

  it('isIpLiteral and isLoopbackHost read WHATWG hostnames', () => {
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('1.2.3.4')).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.')).toBe(true);
    expect(isLoopbackHost('notlocalhost')).toBe(false);
  });
});
