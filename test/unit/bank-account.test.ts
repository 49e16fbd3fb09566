import { abaRoutingValid, checkBankAccount, maskAccount, maskedView } from '../../domain/commissions/bank-account';

describe('ABA routing numbers', () => {
  test.each([
    ['011000015', true], // Federal Reserve Bank of Boston
    ['021000021', true], // JPMorgan Chase, New York
    ['121000358', true], // Bank of America, California
    ['026009593', true], // Bank of America, New York
    ['021000022', false], // one digit off
    ['12100035', false], // 8 digits
    ['12100035a', false],
    ['000000000', true], // the checksum alone admits it; the bank refuses unknown numbers
  ])('%s -> %s', (routing, valid) => {
    expect(abaRoutingValid(routing)).toBe(valid);
  });

  test('the weights are 3, 7, 1: transposing two digits breaks the checksum', () => {
    expect(abaRoutingValid('021000021')).toBe(true);
    expect(abaRoutingValid('201000021')).toBe(false);
  });
});

describe('a bank account', () => {
  test('an IBAN is normalised and checked by its check digits, the BIC by format and country', () => {
    expect(checkBankAccount({ holderName: ' Acme GmbH ', iban: 'de89 3704 0044 0532 0130 00', bic: 'cobadeffxxx' })).toEqual({
      ok: true, account: { scheme: 'iban', holderName: 'Acme GmbH', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
    });
    expect(checkBankAccount({ holderName: 'Acme', iban: 'DE88370400440532013000', bic: 'COBADEFF' })).toEqual({ ok: false, field: 'body.iban', reason: 'the IBAN check digits do not match' });
    expect(checkBankAccount({ holderName: 'Acme', iban: 'DE89370400440532013000', bic: 'COBA' })).toMatchObject({ ok: false, field: 'body.bic' });
    expect(checkBankAccount({ holderName: 'Acme', iban: 'DE89370400440532013000', bic: 'BNPAFRPP' })).toMatchObject({ ok: false, field: 'body.bic', reason: expect.stringMatching(/country FR/) });
  });

  test('a US account needs a routing number with a valid checksum', () => {
    expect(checkBankAccount({ holderName: 'Acme Inc', accountNumber: '000123456789', routingNumber: '021000021' })).toEqual({
      ok: true, account: { scheme: 'us-aba', holderName: 'Acme Inc', accountNumber: '000123456789', routingNumber: '021000021' },
    });
    expect(checkBankAccount({ holderName: 'Acme Inc', accountNumber: '000123456789', routingNumber: '021000022' })).toMatchObject({ ok: false, field: 'body.routingNumber' });
    expect(checkBankAccount({ holderName: 'Acme Inc', accountNumber: '12', routingNumber: '021000021' })).toMatchObject({ ok: false, field: 'body.accountNumber' });
    expect(checkBankAccount({ holderName: '  ', accountNumber: '123456', routingNumber: '021000021' })).toMatchObject({ ok: false, field: 'body.holderName' });
  });

  test('reads show only the last four characters', () => {
    expect(maskAccount('DE89370400440532013000')).toBe('••••••••••••••••••3000');
    expect(maskedView({ scheme: 'us-aba', holderName: 'A', accountNumber: '000123456789', routingNumber: '021000021' })).toEqual({ scheme: 'us-aba', holderName: 'A', account: '••••••••6789', bank: '021000021' });
  });
});
