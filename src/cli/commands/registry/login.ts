// `login`, as the docker CLI 28 does it: credentials checked against the
// registry, then kept in config.json ($DOCKER_CONFIG or ~/.docker) or the
// credential helper it names; stored credentials are tried first when none are
// given; prompts only on a terminal.
import { cliError } from '../../../errdefs';
import {
  checkLogin,
  convertToHostname,
  getCredentials,
  INDEX_SERVER,
  storeCredentials,
  type AuthConfig,
} from '../../../registry';
import { command } from '../../command';
import type { Ctx } from '../../context';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) s += chunk.toString('utf8');
  return s;
}

/** Reads a line from the terminal, echoed or not (a password). */
function readLine(ctx: Ctx, prompt: string, echo: boolean): Promise<string> {
  ctx.out(prompt);
  const stdin = ctx.stdin;
  return new Promise((resolve, reject) => {
    let buf = '';
    if (!echo) stdin.setRawMode?.(true);
    const done = (err?: Error) => {
      stdin.off('data', onData);
      if (!echo) stdin.setRawMode?.(false);
      stdin.pause();
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (d: Buffer) => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\n' || ch === '\r') {
          done();
          return;
        }
        if (ch === '\u0003') {
          done(cliError('interrupted'));
          return;
        }
        if (!echo && (ch === '\u007f' || ch === '\b')) buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

const UNENCRYPTED = (file: string) =>
  `\nWARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

/** Checks and stores credentials; returns the status line. */
async function loginWith(ctx: Ctx, auth: AuthConfig): Promise<string> {
  const r = await checkLogin(auth.serveraddress ?? INDEX_SERVER, auth);
  const keep: AuthConfig = r.identityToken
    ? { ...auth, password: undefined, identitytoken: r.identityToken }
    : { ...auth, identitytoken: undefined };
  let stored: { plainFile?: string };
  try {
    stored = storeCredentials(keep);
  } catch (e) {
    throw cliError(`Error saving credentials: ${(e as Error).message.replace(/^Error saving credentials: /, '')}`);
  }
  if (stored.plainFile) ctx.err(UNENCRYPTED(stored.plainFile));
  return r.status;
}

export const loginCmd = command({
  name: 'login',
  usage: '[OPTIONS] [SERVER]',
  description: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
  maxArgs: 1,
  flags: [
    {
      long: 'password',
      short: 'p',
      kind: 'string',
      valueName: 'string',
      help: 'Password or Personal Access Token (PAT)',
    },
    { long: 'password-stdin', kind: 'bool', help: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { long: 'username', short: 'u', kind: 'string', valueName: 'string', help: 'Username' },
  ],
  async run(ctx, args, flags) {
    let user = flags.username;
    let password = flags.password;
    const changed = (f: string) => flags._changed.has(f);
    const stdinPassword = flags['password-stdin'];
    if (changed('password-stdin')) {
      if (changed('password'))
        throw cliError('conflicting options: cannot specify both --password and --password-stdin');
      if (!changed('username')) throw cliError('the --password-stdin option requires --username to be set');
    }
    if (changed('username') && user === '') throw cliError('username is empty');
    if (changed('password') && password === '') throw cliError('password is empty');
    if (password) ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (stdinPassword) password = (await readAll(ctx.stdin)).replace(/\n$/, '').replace(/\r$/, '');

    const serverArg = args[0] ?? '';
    const server = serverArg && serverArg !== 'docker.io' ? convertToHostname(serverArg) : INDEX_SERVER;
    // stored credentials first, when none are given
    if (!user && !password) {
      const stored = getCredentials(server);
      if (stored.username && stored.password) {
        ctx.err(`Authenticating with existing credentials... [Username: ${stored.username}]\n`);
        ctx.err("\n Info -> To login with a different account, run 'stowage logout' followed by 'stowage login'\n\n\n");
        try {
          ctx.out(`${await loginWith(ctx, { ...stored, serveraddress: server })}\n`);
          return;
        } catch (e) {
          ctx.err(
            (e as { kind?: string }).kind === 'unauthorized'
              ? 'Stored credentials invalid or expired\n'
              : `Login did not succeed, error: ${(e as Error).message}\n`,
          );
        }
      }
    }
    if ((!user || !password) && !ctx.stdin.isTTY)
      throw cliError('Error: Cannot perform an interactive login from a non TTY device');
    if (!user.trim()) {
      const def = getCredentials(server).username ?? '';
      user = (await readLine(ctx, def ? `Username (${def}): ` : 'Username: ', true)).trim() || def;
      if (!user) throw cliError('Error: Non-null Username Required');
    }
    if (!password.trim()) {
      password = await readLine(ctx, 'Password: ', false);
      ctx.out('\n');
      if (!password) throw cliError('Error: Password Required');
    }
    ctx.out(`${await loginWith(ctx, { username: user.trim(), password, serveraddress: server })}\n`);
  },
});
