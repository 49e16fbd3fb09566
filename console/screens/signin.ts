import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Refusal, useAction } from '../components';
import { signIn, type Session } from '../session';

/**
 * Sign-in: the key typed here is sent once to POST /v1/console/sessions and forgotten; the
 * browser keeps only the HttpOnly session cookie the answer sets.
 */
export function SignIn({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const session = await signIn(key);
      setKey('');
      if (session) onSignedIn(session);
    });
  };
  return html`<main id="main" class="signin">
    <h1>Trellis console</h1>
    <form class="stack" onSubmit=${submit}>
      <label for="api-key">API key</label>
      <input id="api-key" name="api-key" type="password" autocomplete="off" required value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
      <p class="hint">Your key is exchanged for a session that ends after a while or when you sign out; it is not stored in this browser.</p>
      <button type="submit" disabled=${busy}>Sign in</button>
      <${Refusal} error=${error} />
    </form>
  </main>`;
}
