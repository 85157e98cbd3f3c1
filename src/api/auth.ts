// POST /auth (`docker login` through the API): the credentials of the body
// checked against the registry, as Docker's daemon does; 200 with the status
// and, from a token server, the identity token the CLI keeps instead of the
// password; 401 when the registry refuses them.
import { authConfigFromJson, checkLogin } from '../registry';
import { invalidArgument } from '../errdefs';
import { sendJson, type Route } from './server';

export const AUTH_ROUTES: Route[] = [
  {
    method: 'POST',
    re: /^\/auth$/,
    async handler(_ctx, r, res) {
      const body = await r.json<Record<string, unknown>>();
      const auth = authConfigFromJson(body);
      if (!auth) throw invalidArgument('no credentials in the request body');
      const out = await checkLogin(auth.serveraddress ?? '', auth);
      sendJson(res, 200, { Status: out.status, IdentityToken: out.identityToken ?? '' });
    },
  },
];
