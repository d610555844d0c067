import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The deployable services; `lib`, `migrations` and `sync` are shared plumbing, not services. */
const SERVICES = readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['lib', 'migrations', 'sync'].includes(entry.name))
  .map((entry) => entry.name);

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;

/** The repository files a module imports (type-only imports included: they still couple modules). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2] as string;
    const resolved = resolve(file, specifier);
    if (resolved !== undefined) found.push(resolved);
  }
  return found;
}

const ALIASES: Record<string, string> = {
  '#lib/': 'services/lib/',
  '#bff/': 'bff/',
  '#services/': 'services/',
  '#test/': 'test/',
  '#scripts/': 'scripts/',
};

function resolve(from: string, specifier: string): string | undefined {
  for (const [alias, target] of Object.entries(ALIASES)) {
    if (specifier.startsWith(alias)) return `${target}${specifier.slice(alias.length)}.ts`;
  }
  if (specifier.startsWith('.')) return path.join(path.dirname(from), specifier);
  return undefined;
}

const serviceOf = (file: string) => {
  const [top, name] = file.split('/');
  return top === 'services' && name !== undefined && SERVICES.includes(name) ? name : undefined;
};
const isContract = (file: string) => /^services\/[^/]+\/contract\.ts$/.test(file);

const production = (file: string) => !/\.test\.ts$|\/testing\.ts$/.test(file);

describe('module boundaries', () => {
  it('the BFF imports nothing of a service but its contract', () => {
    const offending = sourceFiles('bff').flatMap((file) =>
      importsOf(file)
        .filter((target) => serviceOf(target) !== undefined && !isContract(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it('a service imports nothing of another service but its contract', () => {
    const offending = SERVICES.flatMap((service) =>
      sourceFiles(`services/${service}`)
        .filter(production)
        .flatMap((file) =>
          importsOf(file)
            .filter((target) => {
              const other = serviceOf(target);
              return other !== undefined && other !== service && !isContract(target);
            })
            .map((target) => `${file} → ${target}`),
        ),
    );
    expect(offending).toEqual([]);
  });

  it('no two files of the BFF or the services import each other, directly or in a loop', () => {
    const files = [...sourceFiles('bff'), ...sourceFiles('services')].filter(production);
    const graph = new Map(
      files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
