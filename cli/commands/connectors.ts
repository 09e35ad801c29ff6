/**
 * sluice connectors list | describe NAME — the connectors and transforms a connect file can name,
 * and the fields of one's config (type, default, description), read from its zod schema.
 */
import { command, UsageError } from '../args.js';
import { outputOption } from '../options.js';
import { print, printJson } from '../output.js';
import { oneOf } from '../values.js';

const kinds = oneOf('source', 'sink');

async function catalog() {
  const [{ listConnectors }, { transformDefinitions }] = await Promise.all([import('../../connectors/registry.js'), import('../../connectors/transforms/index.js')]);
  const connectors = (await listConnectors()).slice().sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  return { connectors, transforms: transformDefinitions };
}

const list = command({
  name: 'list',
  summary: 'the sources, sinks and transforms a connect file can name',
  options: { ...outputOption },
  async run(v) {
    const { connectors, transforms } = await catalog();
    if (v.output === 'json') {
      printJson({
        connectors: connectors.map((c) => ({ name: c.name, kind: c.kind, description: c.description })),
        transforms: transforms.map((t) => ({ name: t.name, description: t.description })),
      });
      return 0;
    }
    const width = Math.max(...connectors.map((c) => c.name.length), ...transforms.map((t) => t.name.length)) + 2;
    const lines = ['sources:', ...connectors.filter((c) => c.kind === 'source').map((c) => `  ${c.name.padEnd(width)}${c.description}`)];
    lines.push('sinks:', ...connectors.filter((c) => c.kind === 'sink').map((c) => `  ${c.name.padEnd(width)}${c.description}`));
    lines.push('transforms:', ...transforms.map((t) => `  ${t.name.padEnd(width)}${t.description}`));
    lines.push('', 'Run "sluice connectors describe NAME" for the fields of one\'s config.');
    print(lines.join('\n') + '\n');
    return 0;
  },
});

const describe = command({
  name: 'describe',
  summary: "the fields of a connector's or transform's config: type, default, description",
  args: [{ name: 'NAME' }],
  options: { kind: { arg: 'source|sink', parse: kinds, help: 'for a name that is both a source and a sink (file, http): only that one' }, ...outputOption },
  examples: ['sluice connectors describe postgres-cdc', 'sluice connectors describe file --kind sink', 'sluice connectors describe InsertField'],
  async run(v, [name]) {
    const { configFields } = await import('../../connectors/config-fields.js');
    const { didYouMean } = await import('../../core/util/closest-name.js');
    const { connectors, transforms } = await catalog();
    const found = [
      ...connectors.filter((c) => c.name === name && (!v.kind || c.kind === v.kind)).map((c) => ({ title: `${c.name} (${c.kind})`, kind: c.kind as string, description: c.description, fields: configFields(c.config) })),
      ...transforms.filter((t) => t.name === name && !v.kind).map((t) => ({ title: `${t.name} (transform)`, kind: 'transform', description: t.description, fields: configFields(t.config) })),
    ];
    if (found.length === 0) {
      const names = [...new Set([...connectors.map((c) => c.name), ...transforms.map((t) => t.name)])];
      throw new UsageError(`no connector or transform named "${name}"${v.kind ? ` of kind ${v.kind}` : ''}${didYouMean(name!, names)}; see "sluice connectors list"`);
    }
    if (v.output === 'json') {
      printJson(found.map((f) => ({ name, kind: f.kind, description: f.description, fields: f.fields })));
      return 0;
    }
    const plain = (s: string) => s.replace(/`/g, '');
    const out: string[] = [];
    for (const f of found) {
      out.push(`${f.title}: ${f.description}`, '');
      const w = Math.max(5, ...f.fields.map((x) => x.name.length)) + 2;
      const tw = Math.max(4, ...f.fields.map((x) => plain(x.type).length)) + 2;
      for (const x of f.fields) {
        const dflt = x.required ? 'required' : x.default !== undefined ? `default ${x.default}` : 'optional';
        out.push(`  ${x.name.padEnd(w)}${plain(x.type).padEnd(tw)}${dflt}`, `  ${' '.repeat(w)}${x.description}`);
      }
      out.push('');
    }
    print(out.join('\n'));
    return 0;
  },
});

export const connectors = command({
  name: 'connectors',
  summary: 'list the connectors and transforms, and describe their configs',
  subcommands: [list, describe],
});
