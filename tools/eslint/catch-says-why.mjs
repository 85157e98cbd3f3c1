// A catch either handles a named case (it reads the error it caught: its code, its kind,
// or rethrows it) or says in a comment why any error is fine to drop there.
export default {
  meta: {
    type: 'suggestion',
    docs: { description: 'a catch reads its error or carries a comment saying why it drops it' },
    messages: {
      silent: 'This catch drops every error without reading it: handle the named case, or say why in a comment.',
    },
    schema: [],
  },
  create(context) {
    const source = context.sourceCode;
    return {
      CatchClause(node) {
        if (source.getCommentsInside(node.body).length > 0) return;
        const param = node.param;
        if (param) {
          const [variable] = source.getDeclaredVariables(node);
          if (variable && variable.references.length > 0) return;
        }
        context.report({ node, messageId: 'silent' });
      },
    };
  },
};
