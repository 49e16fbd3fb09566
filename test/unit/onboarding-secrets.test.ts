import { newSecret, isSecretOf } from '../../domain/onboarding/secrets';

describe('onboarding secrets', () => {
  test('a new secret has its kind and is recognised as that kind only', () => {
    const applicant = newSecret('tra');
    const invitation = newSecret('tri');
    expect(applicant).toMatch(/^tra_/);
    expect(isSecretOf('tra', applicant)).toBe(true);
    expect(isSecretOf('tri', applicant)).toBe(false);
    expect(isSecretOf('tri', invitation)).toBe(true);
    expect(newSecret('tra')).not.toBe(applicant);
  });

  test('anything not of the shape is refused before it is hashed and looked up', () => {
    const valid = newSecret('tri');
    for (const token of ['', 'tri_', valid.slice(0, -1), `${valid}x`, ` ${valid}`, valid.replace(/.$/, '$'), `tri_${'a'.repeat(42)}=`]) {
      expect([token, isSecretOf('tri', token)]).toEqual([token, false]);
    }
  });
});
