import { test } from 'node:test';
import assert from 'node:assert/strict';
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
