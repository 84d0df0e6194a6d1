import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPrivacyCenterExtras, embedOriginProblem } from '../../src/domain/privacy-center-settings.ts';

// An embed origin is compared exactly with the browser's Origin header: only what a browser would send is accepted.

test('exact origins a browser sends are accepted', () => {
  for (const origin of ['https://www.acme.com', 'https://shop.acme.co.uk:8443', 'https://xn--bcher-kva.example', 'http://localhost', 'http://localhost:5173', 'http://127.0.0.1:3000', 'https://127.0.0.1']) {
    assert.equal(embedOriginProblem(origin), null, origin);
  }
});

test('anything a browser would never send as Origin is refused, with the reason', () => {
  const refused: Array<[string, RegExp]> = [
    ['https://www.acme.com/', /no path, query or trailing slash/],
    ['https://www.acme.com?x=1', /no path, query/],
    ['https://www.acme.com#top', /no path/],
    ['http://www.acme.com', /must start with https:\/\//],
    ['http://localhost.acme.com', /must start with https:\/\//],
    ['ftp://www.acme.com', /must start with https:\/\//],
    ['HTTPS://www.acme.com', /lower case/],
    ['https://www.Acme.com', /lower case/],
    ['https://bücher.example', /xn--/],
    ['https://*.acme.com', /wildcards/],
    ['https://user@acme.com', /user name/],
    ['https://acme.com:443', /default port 443/],
    ['http://localhost:80', /default port 80/],
    ['https://acme.com:0', /invalid host or port/],
    ['https://acme.com:0443', /invalid host or port/],
    ['https://acme.com:99999', /outside 1-65535/],
    ['https://-acme.com', /invalid host name/],
    ['https://acme..com', /invalid host name/],
    ['https://[::1]', /invalid host/],
    ['www.acme.com', /not an origin/],
    ['', /not an origin/],
    [' https://acme.com', /not an origin/],
  ];
  for (const [origin, reason] of refused) assert.match(embedOriginProblem(origin) ?? 'accepted', reason, origin);
});

test('the settings: repeats dropped in order, types ordered, opt-out of sale never needs a document', () => {
  assert.deepEqual(checkPrivacyCenterExtras({ embedOrigins: ['https://b.example', 'https://a.example', 'https://b.example'], identityDocumentTypes: ['erasure', 'access', 'erasure'] }), {
    ok: true,
    value: { embedOrigins: ['https://b.example', 'https://a.example'], identityDocumentTypes: ['access', 'erasure'] },
  });
  const refused = checkPrivacyCenterExtras({ embedOrigins: ['https://a.example/'], identityDocumentTypes: ['noSale', 'nope'] });
  assert.deepEqual(refused.ok ? [] : refused.problems.map((p) => p.field), ['embedOrigins.0', 'identityDocumentTypes', 'identityDocumentTypes']);
});
