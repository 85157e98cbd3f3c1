import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from './template';

const data = {
  ID: 'abc', Names: ['a', 'b'], State: { Status: 'running', Pid: 42 }, Labels: { x: '1', y: '2' }, Empty: '',
};

test('fields, nested fields and functions', () => {
  assert.equal(renderTemplate('{{.ID}} {{.State.Status}} {{.State.Pid}}', data), 'abc running 42');
  assert.equal(renderTemplate('{{json .Names}}', data), '["a","b"]');
  assert.equal(renderTemplate('{{join .Names ","}}', data), 'a,b');
  assert.equal(renderTemplate('{{.Names}}', data), '[a b]');
  assert.equal(renderTemplate('{{.Labels}}', data), 'map[x:1 y:2]');
  assert.equal(renderTemplate('{{index .Labels "y"}}', data), '2');
  assert.equal(renderTemplate('{{upper .ID | lower}}', data), 'abc');
  assert.equal(renderTemplate('{{json .}}', { a: '<b>' }), '{"a":"\\u003cb\\u003e"}');
});

test('if, else, range, with and variables', () => {
  assert.equal(renderTemplate('{{if .Empty}}yes{{else}}no{{end}}', data), 'no');
  assert.equal(renderTemplate('{{if eq .ID "abc"}}yes{{end}}', data), 'yes');
  assert.equal(renderTemplate('{{range .Names}}[{{.}}]{{end}}', data), '[a][b]');
  assert.equal(renderTemplate('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', data), 'x=1;y=2;');
  assert.equal(renderTemplate('{{with .State}}{{.Status}}{{end}}', data), 'running');
  assert.equal(renderTemplate('{{if .Empty}}a{{else if .ID}}b{{else}}c{{end}}', data), 'b');
  assert.equal(renderTemplate('{{- " x " -}}  {{.ID}}', data), ' x abc');
  assert.equal(renderTemplate('{{range .Names}}{{println .}}{{end}}', data), 'a\nb\n');
});

test('missing fields: errors for formatters, <no value> for raw inspect', () => {
  assert.throws(() => renderTemplate('{{.Nope}}', data), /can't evaluate field Nope/);
  assert.equal(renderTemplate('{{.Nope}}', data, { lenient: true }), '<no value>');
  // inspect: a map's missing key is <no value>, a struct's is an error with Go's position
  const isMap = { shapeOf: (p: string[]) => (p.join('.') === 'Labels' ? ('map' as const) : undefined) };
  assert.equal(renderTemplate('{{.Labels.none}}', data, isMap), '<no value>');
  assert.throws(() => renderTemplate('{{.Nope}}', data, isMap), /template: :1:2: executing "" at <\.Nope>: map has no entry for key "Nope"/);
  assert.throws(() => renderTemplate('{{.State.Nope}}', data, isMap), /template: :1:8: executing "" at <\.State\.Nope>: map has no entry for key "Nope"/);
  assert.equal(renderTemplate('{{with .Labels}}{{.none}}{{end}}', data, isMap), '<no value>');
  assert.throws(() => renderTemplate('{{if .ID}}', data), /unexpected EOF/);
  assert.throws(() => renderTemplate('{{nofunc .ID}}', data), /function "nofunc" not defined/);
});

test("null maps and slices print as Go's typed nils: map[] and [], json still null", () => {
  const obj = { Config: { Env: null, Labels: null, Cmd: ['sh'] }, Healthcheck: null, RepoDigests: [] };
  const shapes = { Env: 'slice', Labels: 'map', Cmd: 'slice' } as const;
  const opts = { shapeOf: (p: string[]) => (p[0] === 'Config' ? shapes[p[1] as keyof typeof shapes] : p[0] === 'RepoDigests' ? ('slice' as const) : undefined) };
  assert.equal(renderTemplate('{{.Config.Env}}|{{.Config.Labels}}|{{.Config.Cmd}}|{{.RepoDigests}}|{{.Healthcheck}}', obj, opts), '[]|map[]|[sh]|[]|<nil>');
  assert.equal(renderTemplate('{{json .Config.Env}} {{json .Config.Labels}} {{len .Config.Env}}', obj, opts), 'null null 0');
  assert.equal(renderTemplate('{{if .Config.Env}}x{{else}}empty{{end}}{{range .Config.Labels}}y{{end}}', obj, opts), 'empty');
  assert.equal(renderTemplate('{{with .Config}}{{.Env}}{{end}} {{$e := .Config.Labels}}{{$e}}', obj, opts), '[] map[]');
});
