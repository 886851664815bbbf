// The layers of src/ as a lint rule: each zone says which of our folders a file may import
// from (`allow`) or must not (`forbid`), and whether Node built-ins or `electron` are off
// limits. A relative import is resolved against the importing file, so `../../main/db` and
// `../db` are judged by where they land, not by how they are spelled. Path math only (no
// file system): a file linted from text (the rule's own test) is judged the same way.
import { isBuiltin } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

/** `a/b` is `a` itself or under it. */
const within = (path, dir) => path === dir || path.startsWith(`${dir}/`);

function sourceOf(node) {
  switch (node.type) {
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportNamedDeclaration':
    case 'ImportExpression':
      return node.source;
    case 'TSImportType':
      // `typeof import('x')`: `source` in typescript-eslint 8.x, a literal type in older ASTs.
      return 'source' in node ? node.source : node.argument?.literal;
    case 'TSImportEqualsDeclaration':
      // `import x = require('y')`
      return node.moduleReference.type === 'TSExternalModuleReference' ? node.moduleReference.expression : null;
    case 'CallExpression':
      return node.callee.type === 'Identifier' && node.callee.name === 'require' ? node.arguments[0] : null;
    default:
      return null;
  }
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep each folder of src/ to the layers it may import from' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' }, zones: { type: 'array' } },
        required: ['root', 'zones'],
        additionalProperties: false,
      },
    ],
    messages: {
      notAllowed: '{{from}} may import only {{allowed}} (and npm packages): {{spec}} is {{target}}.',
      forbidden: '{{from}} must not import {{target}} ({{spec}}): {{why}}',
      builtin: '{{from}} must not import the Node built-in {{spec}}: {{why}}',
      electron: '{{file}} imports electron: only {{allowed}} may (the host, the CLI and the pty host run under plain Node).',
    },
  },
  create(context) {
    const { root, zones } = context.options[0];
    const file = relative(root, context.filename).split(sep).join('/');
    const rules = zones.filter((zone) => zone.from.some((dir) => within(file, dir)));
    if (rules.length === 0) return {};

    function check(node) {
      const source = sourceOf(node);
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      for (const zone of rules) {
        const from = zone.from.find((dir) => within(file, dir));
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(context.filename), spec)).split(sep).join('/');
          if (zone.allow && !zone.allow.some((dir) => within(target, dir))) {
            context.report({ node: source, messageId: 'notAllowed', data: { from, spec, target, allowed: zone.allow.join(', ') } });
          }
          const hit = zone.forbid?.find((dir) => within(target, dir));
          if (hit) context.report({ node: source, messageId: 'forbidden', data: { from, spec, target: hit, why: zone.why } });
        } else if (zone.noBuiltins && isBuiltin(spec)) {
          context.report({ node: source, messageId: 'builtin', data: { from, spec, why: zone.why } });
        } else if (zone.electronOnly && (spec === 'electron' || spec.startsWith('electron/'))) {
          if (!zone.electronOnly.some((dir) => within(file, dir))) {
            context.report({ node: source, messageId: 'electron', data: { file, allowed: zone.electronOnly.join(', ') } });
          }
        }
      }
    }
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
      TSImportType: check,
      TSImportEqualsDeclaration: check,
      CallExpression: check,
    };
  },
};
