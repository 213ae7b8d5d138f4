// Plain HTML pages behind the links Switchboard prints or emails (setup, verification,
// password reset, invitations, login), so each link works before the console does. Each
// page is a form posting to the public API and showing the API's own error message.
import type { FastifyInstance } from 'fastify';

interface Field {
  name: string;
  label: string;
  type: 'email' | 'password' | 'text';
}
interface Page {
  path: string;
  title: string;
  intro: string;
  endpoint: string;
  fields: Field[];
  withToken: boolean;
  done: string;
}

const PAGES: Page[] = [
  {
    path: '/setup',
    title: 'Create the platform operator',
    intro: 'This link was printed when Switchboard first started. It works once.',
    endpoint: '/api/setup',
    fields: [
      { name: 'email', label: 'Email', type: 'email' },
      { name: 'password', label: 'Password (10 characters or more)', type: 'password' },
    ],
    withToken: true,
    done: 'The operator account is ready and you are signed in.',
  },
  {
    path: '/verify-email',
    title: 'Verify your email',
    intro: 'Confirm your email address to activate your company.',
    endpoint: '/api/auth/verify-email',
    fields: [],
    withToken: true,
    done: 'Your email is verified. You can sign in now.',
  },
  {
    path: '/reset-password',
    title: 'Choose a new password',
    intro: 'Every session of your account will be signed out.',
    endpoint: '/api/auth/password-reset/complete',
    fields: [{ name: 'password', label: 'New password (10 characters or more)', type: 'password' }],
    withToken: true,
    done: 'Your password is changed. Sign in with it now.',
  },
  {
    path: '/accept-invitation',
    title: 'Join your company on Switchboard',
    intro: 'Choose a password to accept the invitation.',
    endpoint: '/api/invitations/accept',
    fields: [{ name: 'password', label: 'Password (10 characters or more)', type: 'password' }],
    withToken: true,
    done: 'Welcome aboard: you are signed in.',
  },
  {
    path: '/login',
    title: 'Sign in to Switchboard',
    intro: 'The full console is on its way; the API is at /api/docs.',
    endpoint: '/api/auth/login',
    fields: [
      { name: 'email', label: 'Email', type: 'email' },
      { name: 'password', label: 'Password', type: 'password' },
    ],
    withToken: false,
    done: 'You are signed in.',
  },
];

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function render(page: Page): string {
  const inputs = page.fields
    .map(
      (f) =>
        `<label>${escapeHtml(f.label)}<input name="${f.name}" type="${f.type}" required autocomplete="${f.type === 'password' ? 'new-password' : f.name}"></label>`,
    )
    .join('\n');
  // The script is static; the token is read from the address bar, never written into the page.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)} · Switchboard</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}
label{display:block;margin:1rem 0}input{display:block;width:100%;padding:.5rem;margin-top:.25rem;font:inherit}
button{padding:.6rem 1.2rem;font:inherit}#msg{margin-top:1rem}.err{color:#b42318}.ok{color:#067647}</style></head>
<body><main><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.intro)}</p>
<form id="f">${inputs}<button type="submit">Continue</button></form><p id="msg" role="status" aria-live="polite"></p></main>
<script>
const form = document.getElementById('f'), msg = document.getElementById('msg');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  ${page.withToken ? "body.token = new URLSearchParams(location.search).get('token') || '';" : ''}
  msg.className = ''; msg.textContent = 'Working…';
  try {
    const res = await fetch(${JSON.stringify(page.endpoint)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (res.ok && !data.mfaRequired) { msg.className = 'ok'; msg.textContent = ${JSON.stringify(page.done)}; form.hidden = true; }
    else if (data.mfaRequired) { msg.className = 'err'; msg.textContent = 'This account uses two-factor authentication: sign in through the API (POST /api/auth/login/mfa) until the console is available.'; }
    else { msg.className = 'err'; msg.textContent = (data.error && data.error.message) || ('Request failed: ' + res.status); }
  } catch (err) { msg.className = 'err'; msg.textContent = 'Could not reach Switchboard: ' + err.message; }
});
</script></body></html>`;
}

export function registerPages(app: FastifyInstance): void {
  for (const page of PAGES) {
    const html = render(page);
    app.get(page.path, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'",
        )
        .header('referrer-policy', 'no-referrer')
        .send(html),
    );
  }
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/login'));
}
