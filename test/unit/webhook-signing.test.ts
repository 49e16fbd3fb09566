import { Webhook } from 'standardwebhooks';
import { newSigningSecret, openSecret, sealSecret } from '../../services/webhooks/secrets';
import { payloadOf, signatureHeaders } from '../../services/webhooks/sender';
import type { AuditEventDoc } from '../../models/tenancy/audit-event';

const KEY = 'k'.repeat(40);

describe('signing secrets at rest', () => {
  test('a sealed secret opens only for its tenant, endpoint and sealing key', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const sealed = sealSecret(secret, KEY, 'ten_a', 'whe_1');
    expect(sealed).not.toContain(secret.slice(6));
    expect(openSecret(sealed, KEY, 'ten_a', 'whe_1')).toBe(secret);
    expect(() => openSecret(sealed, KEY, 'ten_b', 'whe_1')).toThrow(/does not open/);
    expect(() => openSecret(sealed, KEY, 'ten_a', 'whe_2')).toThrow(/does not open/);
    expect(() => openSecret(sealed, 'x'.repeat(40), 'ten_a', 'whe_1')).toThrow(/does not open/);
    expect(() => openSecret('garbage', KEY, 'ten_a', 'whe_1')).toThrow(/known format/);
  });

  test('without a sealing key nothing is sealed', () => {
    expect(() => sealSecret(newSigningSecret(), undefined, 'ten_a', 'whe_1')).toThrow(/TRELLIS_WEBHOOK_KEY/);
  });
});

describe('Standard Webhooks signatures', () => {
  const event: AuditEventDoc = {
    _id: 'aud_1', tenantId: 'ten_a', seq: 7, at: new Date('2026-01-02T03:04:05Z'), actor: { type: 'api-key', id: 'key_1', role: 'partner' },
    action: 'deal.registered', entity: { type: 'deal', id: 'deal_1' }, data: JSON.stringify({ partnerId: 'ptn_1' }), eventKey: 'k', prevHash: 'p', hash: 'h',
  };

  test('every live secret signs, and the verifier accepts any of them', () => {
    const [older, newer] = [newSigningSecret(), newSigningSecret()];
    const body = payloadOf(event);
    const headers = signatureHeaders([newer, older], 'whd_1', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(newer).verify(body, headers)).toMatchObject({ type: 'deal.registered', data: { entity: { id: 'deal_1' }, details: { partnerId: 'ptn_1' } } });
    expect(new Webhook(older).verify(body, headers)).toBeDefined();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(newer).verify(body.replace('deal_1', 'deal_2'), headers)).toThrow();
  });

  test('the payload names the event, never the acting key', () => {
    const parsed = JSON.parse(payloadOf(event));
    expect(parsed).toEqual({
      type: 'deal.registered',
      timestamp: '2026-01-02T03:04:05.000Z',
      data: { eventId: 'aud_1', seq: 7, entity: { type: 'deal', id: 'deal_1' }, actor: { type: 'api-key', role: 'partner' }, details: { partnerId: 'ptn_1' } },
    });
  });
});
