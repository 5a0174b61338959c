import { escapeHtml } from '../../core/http/escapeHtml';
import { page } from './pageFrame';

/** The sign-in form: the agent's own key, posted to /panel/sign-in. */
export function signInPage(error: string | null): string {
  return page({
    title: 'Agent panel — sign in',
    body: `<main class="sign-in">
<h1>Agent panel</h1>
<form method="post" action="/panel/sign-in">
<label for="key">Agent key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<button type="submit">Sign in</button>
</form>
</main>`,
  });
}
