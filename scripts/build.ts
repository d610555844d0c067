/**
 * Bundles every Lambda function declared in serverless.yml with esbuild.
 *
 *   npm run build                # all functions
 *   npm run build -- bff         # only the named functions
 *   npm run build -- --analyze   # and the heaviest packages in each bundle
 *
 * serverless.yml is the single source of truth:
 *   - `functions.<name>.handler` must be `dist/<name>/<file>.<export>`; the bundle is
 *     written to `dist/<name>/<file>.mjs` (plus its source map), which is exactly what
 *     the function's package pattern `dist/<name>/**` ships.
 *   - `custom.entries.<name>` is the TypeScript entry (path relative to the repo root).
 *
 * Bundles are self-contained ESM: every dependency, including the pinned @aws-sdk/*
 * clients, is bundled (the SDK preinstalled in the Lambda runtime is a different
 * version). Only optional native modules stay external.
 */

import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import yaml from 'js-yaml';
import { API_DOCS_DIR } from '#bff/routes/docs';
import { WEB_DIR } from '#bff/routes/web';
import { buildWeb } from './web-build.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Optional native add-ons that are never present on Lambda; their importers guard the require. */
const NATIVE_EXTERNALS = ['pg-native'];

/**
 * Files a function reads at run time rather than runs, copied from installed packages into its
 * bundle directory (and so into its zip): the BFF serves the API docs viewer from its own origin.
 */
const FUNCTION_FILES: Record<string, ReadonlyArray<{ from: string; to: string }>> = {
  bff: ['swagger-ui-bundle.js', 'swagger-ui.css'].map((file) => ({
    from: `swagger-ui-dist/${file}`,
    to: `${API_DOCS_DIR}/${file}`,
  })),
};

async function copyFunctionFiles(name: string, root: string, outDir: string): Promise<void> {
  const require = createRequire(path.join(root, 'package.json'));
  for (const { from, to } of FUNCTION_FILES[name] ?? []) {
    await mkdir(path.dirname(path.join(outDir, to)), { recursive: true });
    await copyFile(require.resolve(from), path.join(outDir, to));
  }
  // The front end's pages and assets are files the BFF reads at run time, not part of its handler.
  if (name === 'bff') await buildWeb(path.join(outDir, WEB_DIR));
}

/**
 * ESM bundles have no `require`; CommonJS dependencies bundled into them still call it for
 * Node built-ins. The alias avoids clashing with a bundled `import { createRequire }`.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __bundleCreateRequire } from 'node:module'; " +
  'const require = __bundleCreateRequire(import.meta.url);';

/**
 * Zod's namespace (`import { z } from 'zod'`, as @hono/zod-openapi and our schemas import it)
 * re-exports every locale, about 370 kB of messages in some forty languages that esbuild cannot
 * drop. We only ship English messages (zod registers `en` itself, from its own module), so the
 * locales index resolves to a module that offers `en` alone.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: 'zod/v4/locales', namespace: 'zod-english-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: ROOT,
    }));
  },
};

/**
 * A package the bundles leave out, replaced by a stub that throws `why` the moment anything uses
 * it (calls, constructs or reads from it); requiring it costs nothing. `exports` names what its
 * importers take by name, so they get the same clear error rather than "not a function".
 */
function packageStub(name: string, why: string, exports: readonly string[] = []): Plugin {
  const message = `${name} is not bundled (scripts/build.ts): ${why}`;
  const pattern = name.replace(/[/.]/g, (character) => `\\${character}`);
  return {
    name: `${name}-stub`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${pattern}(/.*)?$`) }, (args) => ({
        path: args.path,
        namespace: `${name}-stub`,
      }));
      build.onLoad({ filter: /.*/, namespace: `${name}-stub` }, () => ({
        contents: [
          `const fail = () => { throw new Error(${JSON.stringify(message)}); };`,
          "const stub = new Proxy(fail, { get: (_, key) => (key === '__esModule' ? undefined : stub), construct: fail });",
          'module.exports = stub;',
          ...exports.map((exported) => `module.exports.${exported} = fail;`),
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
}

/**
 * The AWS SDK's default credential chain reads the environment first, which is where Lambda puts a
 * function's credentials, so the providers after it (SSO, shared files, processes, web identity:
 * each loaded on demand, together ~85 kB with the nested STS and SSO clients they use) never run in
 * a function. Locally and in tests the code runs from source, with the whole chain.
 */
const LAMBDA_UNREACHED_CREDENTIAL_PROVIDERS = (
  [
    ['@aws-sdk/credential-provider-sso', ['fromSSO']],
    ['@aws-sdk/credential-provider-ini', ['fromIni']],
    ['@aws-sdk/credential-provider-process', ['fromProcess']],
    ['@aws-sdk/credential-provider-web-identity', ['fromTokenFile', 'fromWebToken']],
  ] as const
).map(([name, exported]) =>
  packageStub(name, "a function's credentials come from Lambda's environment (fromEnv)", exported),
);

/**
 * Left out of every bundle: the Elasticsearch client requires apache-arrow (about 330 kB) only for
 * ES|QL Arrow results, which we never ask for, and undici (about 420 kB) only for its default
 * connection, which `#lib/elasticsearch` replaces with `HttpConnection`. `pg` serves `DB_DRIVER=pg`,
 * the local stack and the tests, which run from source; deployed functions reach Aurora through
 * the Data API (`DB_DRIVER: data-api` in serverless.yml).
 */
const UNBUNDLED_PACKAGES = [
  packageStub('apache-arrow', 'the Elasticsearch client needs it only for ES|QL Arrow results'),
  packageStub(
    'undici',
    'the Elasticsearch client is built with HttpConnection (services/lib/elasticsearch.ts)',
  ),
  packageStub(
    'pg',
    'deployed functions use DB_DRIVER=data-api; DB_DRIVER=pg is for the local stack and tests',
  ),
  ...LAMBDA_UNREACHED_CREDENTIAL_PROVIDERS,
];

/**
 * API namespaces of the Elasticsearch client that no function of ours calls (we use the document
 * and search APIs, `indices` and `cluster`). The client loads every namespace's module, about
 * 150 kB of these alone; each namespace is only built when first accessed, so a stub that throws
 * on construction costs nothing until someone reaches for one. Add a namespace back here by
 * deleting it from the list.
 */
const UNUSED_ELASTICSEARCH_APIS = [
  'ml',
  'security',
  'inference',
  'connector',
  'cat',
  'snapshot',
  'ccr',
  'transform',
  'watcher',
  'search_application',
  'query_rules',
  'rollup',
  'slm',
  'fleet',
  'synonyms',
  'sql',
  'license',
];

const unusedElasticsearchApis: Plugin = {
  name: 'unused-elasticsearch-apis',
  setup(build) {
    const filter = new RegExp(`^\\./api/(${UNUSED_ELASTICSEARCH_APIS.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      /[\\/]@elastic[\\/]elasticsearch[\\/]lib[\\/]api[\\/]index\.js$/.test(args.importer)
        ? { path: args.path.slice('./api/'.length), namespace: 'unused-elasticsearch-api' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'unused-elasticsearch-api' }, (args) => ({
      contents: `exports.__esModule = true;
exports.default = class {
  constructor() {
    throw new Error(${JSON.stringify(`the Elasticsearch client's "${args.path}" API is not bundled (see UNUSED_ELASTICSEARCH_APIS in scripts/build.ts)`)});
  }
};`,
      loader: 'js',
    }));
  },
};

export interface FunctionBundle {
  /** Function key in serverless.yml. */
  name: string;
  /** Handler as declared, e.g. `dist/bff/handler.handler`. */
  handler: string;
  /** TypeScript entry, relative to the repo root. */
  entry: string;
  /** Bundle directory, relative to the repo root (`dist/<name>`). */
  outDir: string;
  /** Bundle file, relative to the repo root (`dist/<name>/handler.mjs`). */
  outFile: string;
}

/** Accept CloudFormation short-form tags (`!Ref`, `!Sub`, ...) so they never break parsing. */
const CFN_TAGS = [
  'And',
  'Base64',
  'Cidr',
  'Condition',
  'Equals',
  'FindInMap',
  'GetAZs',
  'GetAtt',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'Or',
  'Ref',
  'Select',
  'Split',
  'Sub',
];
export const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  CFN_TAGS.flatMap((tag) => {
    const key = tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`;
    return (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (data) => ({ [key]: data }) }),
    );
  }),
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads serverless.yml and returns one bundle description per declared function. */
export function readFunctionBundles(root: string = ROOT): FunctionBundle[] {
  const file = path.join(root, 'serverless.yml');
  const config = yaml.load(readFileSync(file, 'utf8'), { schema: CFN_SCHEMA, filename: file });
  if (!isRecord(config) || !isRecord(config.functions)) {
    throw new Error(`${file}: no \`functions\` section`);
  }
  const functions = config.functions;
  const entries = isRecord(config.custom) && isRecord(config.custom.entries) ? config.custom.entries : {};
  const names = Object.keys(functions);
  if (names.length === 0) throw new Error(`${file}: \`functions\` is empty`);

  const stale = Object.keys(entries).filter((name) => !names.includes(name));
  if (stale.length > 0) {
    throw new Error(`${file}: custom.entries lists unknown functions: ${stale.join(', ')}`);
  }

  return names.map((name) => {
    const fn = functions[name];
    const handler = isRecord(fn) ? fn.handler : undefined;
    // dist/<name>/<file>.<export>; <name> must equal the function key so that bundles never collide.
    const match = typeof handler === 'string' ? /^dist\/([^/]+)\/([\w-]+)\.([\w$]+)$/.exec(handler) : null;
    if (!match || match[1] !== name) {
      throw new Error(
        `${file}: functions.${name}.handler must look like "dist/${name}/handler.handler", got ${JSON.stringify(handler)}`,
      );
    }
    const entry = entries[name];
    if (typeof entry !== 'string' || entry.length === 0) {
      throw new Error(`${file}: custom.entries.${name} (TypeScript entry of function "${name}") is missing`);
    }
    const outDir = `dist/${name}`;
    return { name, handler: match[0], entry, outDir, outFile: `${outDir}/${match[2]}.mjs` };
  });
}

export interface BuiltBundle extends FunctionBundle {
  bytes: number;
  mapBytes: number;
  ms: number;
  /** Bytes each package (`@scope/name`, or `(ours)` for the repository's code) adds to the bundle. */
  packages: Record<string, number>;
}

/** Packages some functions must not carry; the build reports which bundles do. */
export const WATCHED_PACKAGES = ['@elastic/elasticsearch', 'ioredis'] as const;

/** The package an input of the bundle belongs to: the innermost `node_modules/<name>` of its path. */
function packageOf(input: string): string {
  const parts = input.split('node_modules/');
  if (parts.length === 1) return '(ours)';
  const [first = '', second = ''] = (parts.at(-1) ?? '').split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

function packageSizes(metafile: Metafile, outFile: string): Record<string, number> {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith(outFile))?.[1];
  const sizes: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    sizes[name] = (sizes[name] ?? 0) + bytesInOutput;
  }
  return sizes;
}

/**
 * Bundles the given functions in parallel; each `dist/<name>` directory (under `outRoot`, the
 * repository by default) is recreated from scratch.
 */
export async function buildFunctions(
  bundles: FunctionBundle[],
  root: string = ROOT,
  outRoot: string = root,
): Promise<BuiltBundle[]> {
  const missing = bundles.filter((b) => !existsSync(path.join(root, b.entry)));
  if (missing.length > 0) {
    throw new Error(missing.map((b) => `function "${b.name}": entry ${b.entry} does not exist`).join('\n'));
  }

  return Promise.all(
    bundles.map(async (bundle) => {
      const started = performance.now();
      const outDir = path.join(outRoot, bundle.outDir);
      await rm(outDir, { recursive: true, force: true });
      const { metafile } = await build({
        absWorkingDir: root,
        entryPoints: { [path.basename(bundle.outFile, '.mjs')]: bundle.entry },
        outdir: outDir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'esm',
        // Prefer ESM builds of dependencies: better tree shaking than their CJS builds.
        mainFields: ['module', 'main'],
        // Minified for cold-start parse time; names kept for readable errors and logs,
        // and the source map (enabled by NODE_OPTIONS=--enable-source-maps) maps stacks back.
        minify: true,
        keepNames: true,
        sourcemap: true,
        sourcesContent: false,
        legalComments: 'none',
        external: NATIVE_EXTERNALS,
        banner: { js: ESM_REQUIRE_BANNER },
        plugins: [zodEnglishOnly, ...UNBUNDLED_PACKAGES, unusedElasticsearchApis],
        metafile: true,
        logLevel: 'warning',
      });
      await copyFunctionFiles(bundle.name, root, outDir);
      const [code, map] = await Promise.all([
        stat(path.join(outRoot, bundle.outFile)),
        stat(path.join(outRoot, `${bundle.outFile}.map`)),
      ]);
      return {
        ...bundle,
        bytes: code.size,
        mapBytes: map.size,
        ms: performance.now() - started,
        packages: packageSizes(metafile, bundle.outFile),
      };
    }),
  );
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} kB`;

/** How many of the heaviest packages `--analyze` lists per bundle. */
const ANALYZE_TOP = 8;

async function main(args: string[]): Promise<void> {
  const started = performance.now();
  const analyze = args.includes('--analyze');
  const names = args.filter((arg) => !arg.startsWith('--'));
  const all = readFunctionBundles();
  const unknown = names.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown function(s): ${unknown.join(', ')} (declared: ${all.map((b) => b.name).join(', ')})`,
    );
  }
  const selected = names.length > 0 ? all.filter((b) => names.includes(b.name)) : all;

  const built = await buildFunctions(selected);
  const width = Math.max(...built.map((b) => b.outFile.length));
  for (const b of built) {
    const carried = WATCHED_PACKAGES.filter((name) => b.packages[name] !== undefined);
    console.log(
      `${b.outFile.padEnd(width)}  ${formatBytes(b.bytes).padStart(9)}  (map ${formatBytes(b.mapBytes)})  ${Math.round(b.ms)} ms  contains: ${carried.length > 0 ? carried.join(', ') : '-'}`,
    );
    if (analyze) {
      const heaviest = Object.entries(b.packages)
        .sort(([, a], [, z]) => z - a)
        .slice(0, ANALYZE_TOP);
      for (const [name, bytes] of heaviest) console.log(`    ${formatBytes(bytes).padStart(9)}  ${name}`);
    }
  }
  console.log(`built ${built.length} function(s) in ${Math.round(performance.now() - started)} ms`);
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // esbuild has already printed its own diagnostics for a failed bundle.
    const reported = typeof error === 'object' && error !== null && 'errors' in error;
    console.error(reported ? 'build failed' : error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
