// Inspect output as the docker CLI prints it: a JSON array, or a Go template per object.
import { isNotFound } from '../../errdefs';
import { goJsonIndent } from '../../util/gojson';
import type { Ctx } from '../context';
import { errorOutput } from '../exit';
import type { GoType } from './gotype';
import { execTemplate, parseTemplate } from './template';

/** An inspected object and the Go type the docker CLI decodes it into (for templates). */
export interface Inspected {
  value: unknown;
  type: GoType;
}

export type Inspector = (ctx: Ctx, ref: string) => Inspected;

/** Prints objects as docker inspect does: a JSON array, or a template per object. */
export function printInspect(ctx: Ctx, refs: string[], format: string, find: (ref: string) => Inspected): number {
  const templated = format && format !== 'json';
  let tmpl: ReturnType<typeof parseTemplate> = [];
  if (templated) {
    // as docker: the template is parsed before anything is looked up; a bad one exits 64
    try {
      tmpl = parseTemplate(format.replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
    } catch (e) {
      ctx.err(`${(e as Error).message}\n`);
      return 64;
    }
  }
  // as docker: every object is looked up before anything is printed, and what was not found is said last
  const found: Inspected[] = [];
  const notFound: string[] = [];
  for (const ref of refs) {
    try {
      found.push(find(ref));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      notFound.push(errorOutput(e).message);
    }
  }
  const sayNotFound = () => {
    for (const m of notFound) ctx.err(m);
    return notFound.length ? 1 : 0;
  };
  if (templated) {
    for (const o of found) {
      try {
        ctx.out(`${execTemplate(tmpl, o.value, { type: o.type })}\n`);
      } catch (e) {
        // as docker: what was printed so far, an empty line, then the error
        ctx.out('\n');
        sayNotFound();
        ctx.err(`${(e as Error).message.replace(/^(?!template parsing error: )/, 'template parsing error: ')}\n`);
        return 1;
      }
    }
  } else {
    ctx.out(`${found.length ? goJsonIndent(found.map((o) => o.value)) : '[]'}\n`);
  }
  return sayNotFound();
}
