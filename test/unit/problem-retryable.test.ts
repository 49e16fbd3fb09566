import { Problem } from '../../api/problem';

/** "Try again" refusals are retryable (an Idempotency-Key does not remember them); final ones are not. */
test('retryable by type: rate limits, a key in use, unavailable backends and our own 5xx', () => {
  expect(new Problem('rate-limited', 'x').retryable).toBe(true);
  expect(new Problem('idempotency-key-in-use', 'x').retryable).toBe(true);
  expect(new Problem('unavailable', 'x').retryable).toBe(true);
  expect(new Problem('internal', 'x').retryable).toBe(true);
});

test('final refusals are not retryable unless constructed so', () => {
  expect(new Problem('validation-failed', 'x').retryable).toBe(false);
  expect(new Problem('conflict', 'x').retryable).toBe(false);
  expect(new Problem('decision-refused', 'x').retryable).toBe(false);
  const tryAgain = new Problem('conflict', 'too many concurrent publications; try again', { retryable: true });
  expect(tryAgain.retryable).toBe(true);
  expect(tryAgain.toBody()).not.toHaveProperty('retryable');
});
