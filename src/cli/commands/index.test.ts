import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '.';

test("each command entry's names are its module's own, and loading it gives that command", () => {
  for (const entry of COMMANDS) {
    const cmd = entry.load();
    assert.equal(typeof cmd?.run, 'function', `${entry.name}: load() gives no command`);
    assert.equal(cmd.name, entry.name);
    assert.deepEqual(cmd.aliases, entry.aliases, `aliases of ${entry.name}`);
  }
});

test('every command a listed module exports is listed once', () => {
  const listed = new Set(COMMANDS.map((e) => e.load()));
  assert.equal(listed.size, COMMANDS.length);
  const modules = new Set(COMMANDS.map((e) => /require\('([^']+)'\)/.exec(e.load.toString())?.[1]));
  assert.ok(modules.size > 10 && !modules.has(undefined), 'module paths read from the loaders');
  for (const m of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads each command module by the path its loader names
    for (const [name, value] of Object.entries(require(m!) as Record<string, unknown>)) {
      const isCommand =
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { run?: unknown }).run === 'function' &&
        typeof (value as { name?: unknown }).name === 'string';
      if (isCommand) assert.ok(listed.has(value as never), `${m} exports ${name}, which COMMANDS does not list`);
    }
  }
});

test('every file under commands/<noun>/ holds one command, listed, and imports no other command', () => {
  const loaded = new Map(COMMANDS.map((e) => [/require\('\.\/([^']+)'\)/.exec(e.load.toString())?.[1], e]));
  const files = fs
    .readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      fs
        .readdirSync(path.join(__dirname, d.name))
        .filter((f) => /\.[jt]s$/.test(f) && !/\.(test|d)\.[jt]s$/.test(f))
        .map((f) => `${d.name}/${f.replace(/\.[jt]s$/, '')}`),
    );
  assert.ok(files.length >= COMMANDS.length, `command files found: ${files.length}`);
  for (const f of files) {
    const m = require(`./${f}`) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports -- every file found on disk
    const commands = Object.values(m).filter((v) => typeof (v as { run?: unknown }).run === 'function');
    assert.equal(commands.length, 1, `${f} exports ${commands.length} commands`);
    assert.equal(loaded.get(f)?.load(), commands[0], `${f} is the module COMMANDS loads its command from`);
    const source = fs.readFileSync(path.join(__dirname, `${f}${path.extname(__filename)}`), 'utf8');
    const imports = [...source.matchAll(/(?:require\(|from )['"](\.{1,2}\/[^'"]+)['"]/g)].map((i) => i[1]);
    for (const i of imports)
      assert.ok(i.startsWith('../../'), `${f} imports ${i}: commands share code through modules outside commands/`);
  }
});
