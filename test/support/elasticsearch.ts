import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findOnPath,
  freePort,
  PrerequisiteMissingError,
  requireCommand,
  StackPartError,
  startChild,
} from './child.ts';
import type { PartOptions, StackPart } from './part.ts';
import { asUnprivileged, ownForUnprivileged, runningAsRoot } from './unprivileged.ts';

const SUPPORT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'elasticsearch');
const POM_FILE = join(SUPPORT_DIR, 'pom.xml');
const PLUGIN_SOURCE_DIR = join(SUPPORT_DIR, 'analysis-plugin');
const PLUGIN_NAME = 'karaoke-analysis';
/** The plugin is compiled for the oldest Java that Elasticsearch 8 runs on. */
const PLUGIN_JAVA_RELEASE = 17;

const JDK_HINT =
  'Elasticsearch needs a JDK 17 or newer (java, javac, jar) and Maven. ' +
  'On Debian/Ubuntu: apt-get install -y openjdk-17-jdk-headless maven. ' +
  'Or point ELASTICSEARCH_URL at a running Elasticsearch 8.';
const SETPRIV_HINT =
  'Elasticsearch refuses to run as root, so as root the harness starts it as the user nobody through setpriv. ' +
  'On Debian/Ubuntu: apt-get install -y util-linux.';

/** Reads the version from the pom, which is the only place that names it. */
export function elasticsearchVersion(): string {
  const match = /<elasticsearch\.version>\s*([^<\s]+)\s*<\/elasticsearch\.version>/.exec(
    readFileSync(POM_FILE, 'utf8'),
  );
  if (!match?.[1]) throw new Error(`${POM_FILE} does not define <elasticsearch.version>`);
  return match[1];
}

export async function startElasticsearch(options: PartOptions): Promise<StackPart> {
  const startedAt = Date.now();
  const externalUrl = process.env.ELASTICSEARCH_URL?.trim();
  if (externalUrl) return useExternal(externalUrl, startedAt);

  const version = elasticsearchVersion();
  const cacheDir = resolve(options.cacheDir);
  const runDir = resolve(options.runDir);
  const asRoot = runningAsRoot();
  if (asRoot) requireCommand('setpriv', SETPRIV_HINT);
  const javaHome = findJavaHome();

  mkdirSync(cacheDir, { recursive: true });
  const home = await ensureDistribution(cacheDir, version, asRoot, options.progress);
  await ensurePlugin(home, cacheDir, version, javaHome, asRoot, options.progress);

  const base = join(runDir, 'elasticsearch');
  const dirs = {
    config: join(base, 'config'),
    data: join(base, 'data'),
    logs: join(base, 'logs'),
    tmp: join(base, 'tmp'),
  };
  rmSync(dirs.config, { recursive: true, force: true });
  rmSync(dirs.tmp, { recursive: true, force: true });
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  cpSync(join(home, 'config'), dirs.config, { recursive: true });

  const ports = await freePortPair();
  writeFileSync(
    join(dirs.config, 'elasticsearch.yml'),
    elasticsearchYml({ ...ports, data: dirs.data, logs: dirs.logs }),
  );

  if (asRoot) {
    ownForUnprivileged(base);
    makeSearchable(runDir);
    await assertNobodyCanRun(home, dirs.data);
  }

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    ES_JAVA_HOME: javaHome,
    ES_JAVA_OPTS: process.env.ES_JAVA_OPTS ?? '-Xms512m -Xmx512m',
    ES_PATH_CONF: dirs.config,
    ES_TMPDIR: dirs.tmp,
  };
  if (process.env.TZ) env.TZ = process.env.TZ;
  if (!asRoot && process.env.HOME) env.HOME = process.env.HOME;

  const launcher = join(home, 'bin', 'elasticsearch');
  const url = `http://127.0.0.1:${ports.http}`;
  const logFile = join(runDir, 'elasticsearch.log');
  const child = await startChild({
    name: 'elasticsearch',
    ...asUnprivileged(launcher, []),
    env,
    // The JVM writes gc.log and crash reports into its working folder.
    cwd: dirs.logs,
    logFile,
    installHint: asRoot ? SETPRIV_HINT : JDK_HINT,
    readyTimeoutMs: 180_000,
    isReady: async () => {
      const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return response.ok;
    },
  });

  return {
    name: 'elasticsearch',
    url,
    external: false,
    startedInMs: Date.now() - startedAt,
    logFile,
    stop: () => child.stop(),
  };
}

async function useExternal(rawUrl: string, startedAt: number): Promise<StackPart> {
  let parsed: URL;
  try {
    parsed = new URL(rawUrl);
  } catch {
    throw new StackPartError(`ELASTICSEARCH_URL is not a URL: '${rawUrl}'`);
  }
  // fetch() refuses credentials inside the URL, so they travel as a header.
  const headers: Record<string, string> = {};
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const shown = new URL(parsed.href);
  if (shown.password) shown.password = '***';
  const bare = new URL(parsed.href);
  bare.username = '';
  bare.password = '';
  const healthUrl = `${bare.href.replace(/\/+$/, '')}/_cluster/health`;
  let problem: string;
  try {
    const response = await fetch(healthUrl, { headers, signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    if (response.ok) {
      return {
        name: 'elasticsearch',
        url: rawUrl.replace(/\/+$/, ''),
        external: true,
        startedInMs: Date.now() - startedAt,
        stop: async () => {},
      };
    }
    problem = `answered HTTP ${response.status} to GET /_cluster/health`;
  } catch (error) {
    const { message, cause } = error as Error & { cause?: Error };
    problem = `did not answer GET /_cluster/health (${cause?.message ?? message})`;
  }
  throw new StackPartError(
    `ELASTICSEARCH_URL=${shown.href} ${problem}. Fix or unset ELASTICSEARCH_URL to start a local Elasticsearch.`,
  );
}

function elasticsearchYml(settings: { http: number; transport: number; data: string; logs: string }): string {
  // JSON strings are valid YAML scalars, which keeps odd characters in paths harmless.
  return `${[
    'cluster.name: karaoke-local',
    'node.name: local',
    'discovery.type: single-node',
    'network.host: 127.0.0.1',
    `http.port: ${settings.http}`,
    `transport.port: ${settings.transport}`,
    `path.data: ${JSON.stringify(settings.data)}`,
    `path.logs: ${JSON.stringify(settings.logs)}`,
    'xpack.security.enabled: false',
    'action.destructive_requires_name: false',
    // A nearly full disk must not turn the test indices read-only.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    // The search bench sends whole searches as GET `?source=` URLs for its load generator, and a
    // typo request with facets passes the default 4 kB request line.
    'http.max_initial_line_length: 16kb',
  ].join('\n')}\n`;
}

async function freePortPair(): Promise<{ http: number; transport: number }> {
  const http = await freePort();
  let transport = await freePort();
  while (transport === http) transport = await freePort();
  return { http, transport };
}

/** Unpacks the distribution into the cache once; later starts find it there and need no network. */
async function ensureDistribution(
  cacheDir: string,
  version: string,
  asRoot: boolean,
  progress: (line: string) => void,
): Promise<string> {
  const home = join(cacheDir, `elasticsearch-${version}`);
  const isComplete = (dir: string) =>
    existsSync(join(dir, 'bin', 'elasticsearch')) &&
    existsSync(join(dir, 'lib', `elasticsearch-${version}.jar`));
  if (isComplete(home)) return home;

  requireCommand('mvn', JDK_HINT);
  const staging = mkdtempSync(join(cacheDir, `elasticsearch-${version}.download-`));
  const unpacked = join(staging, 'unpacked');
  progress(`elasticsearch: downloading ${version} from Maven Central (first run only, ~107 MB)`);
  const began = Date.now();
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        POM_FILE,
        `-Dwork.dir=${join(staging, 'maven')}`,
        `-Dunpack.dir=${unpacked}`,
        'generate-resources',
      ],
      30 * 60_000,
    );
    const fresh = join(unpacked, `elasticsearch-${version}`);
    if (!isComplete(fresh)) {
      throw new StackPartError(`elasticsearch: Maven finished but ${fresh} is not a complete distribution`);
    }
    // Zip unpackers do not all keep the executable bits.
    for (const entry of readdirSync(join(fresh, 'bin'))) {
      if (!/\.(bat|exe)$/.test(entry)) chmodSync(join(fresh, 'bin', entry), 0o755);
    }
    // The server runs as nobody when we are root; the shipped config is copied per run, the rest is read in place.
    if (asRoot) await run('chmod', ['-R', 'o+rX', fresh]);
    // A parallel first start may have finished first; its copy is as good as ours, and may be in use.
    if (!isComplete(home)) {
      rmSync(home, { recursive: true, force: true });
      renameSync(fresh, home);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  progress(`elasticsearch: ${version} unpacked into ${home} in ${Math.round((Date.now() - began) / 1000)}s`);
  return home;
}

/** Compiles the analysis plugin into the cached distribution, again only when its sources changed. */
async function ensurePlugin(
  home: string,
  cacheDir: string,
  version: string,
  javaHome: string,
  asRoot: boolean,
  progress: (line: string) => void,
): Promise<void> {
  const sourceRoot = join(PLUGIN_SOURCE_DIR, 'src');
  const sources = listFiles(sourceRoot).filter((file) => file.endsWith('.java'));
  const descriptorTemplate = readFileSync(join(PLUGIN_SOURCE_DIR, 'plugin-descriptor.properties'), 'utf8');
  const hash = createHash('sha256').update(`${version}\n${PLUGIN_JAVA_RELEASE}\n${descriptorTemplate}`);
  for (const file of sources) hash.update(`\n${relative(sourceRoot, file)}\n`).update(readFileSync(file));
  const digest = hash.digest('hex');

  const pluginDir = join(home, 'plugins', PLUGIN_NAME);
  const stampFile = join(pluginDir, 'sources.sha256');
  const jarFile = join(pluginDir, `${PLUGIN_NAME}.jar`);
  const isBuilt = () =>
    existsSync(jarFile) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest;
  if (isBuilt()) return;

  progress(`elasticsearch: building the ${PLUGIN_NAME} plugin`);
  const javac = jdkTool(javaHome, 'javac');
  const jar = jdkTool(javaHome, 'jar');
  const build = mkdtempSync(join(cacheDir, `${PLUGIN_NAME}.build-`));
  const classes = join(build, 'classes');
  const out = join(build, PLUGIN_NAME);
  mkdirSync(classes, { recursive: true });
  mkdirSync(out, { recursive: true });
  try {
    await run(javac, [
      '--release',
      String(PLUGIN_JAVA_RELEASE),
      '-encoding',
      'UTF-8',
      '-nowarn',
      '-cp',
      join(home, 'lib', '*'),
      '-d',
      classes,
      ...sources,
    ]);
    await run(jar, ['--create', '--file', join(out, `${PLUGIN_NAME}.jar`), '-C', classes, '.']);
    writeFileSync(
      join(out, 'plugin-descriptor.properties'),
      descriptorTemplate
        .replaceAll('@elasticsearch.version@', version)
        .replaceAll('@java.version@', String(PLUGIN_JAVA_RELEASE)),
    );
    writeFileSync(join(out, 'sources.sha256'), `${digest}\n`);
    if (asRoot) await run('chmod', ['-R', 'o+rX', out]);
    // A parallel start may have installed the same build first.
    if (!isBuilt()) {
      rmSync(pluginDir, { recursive: true, force: true });
      renameSync(out, pluginDir);
    }
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

/** The JDK that runs Elasticsearch: ES_JAVA_HOME, else JAVA_HOME, else the one that `java` on PATH belongs to. */
function findJavaHome(): string {
  let javaHome: string | undefined;
  for (const candidate of [process.env.ES_JAVA_HOME, process.env.JAVA_HOME]) {
    if (candidate && existsSync(join(candidate, 'bin', 'java'))) {
      javaHome = resolve(candidate);
      break;
    }
  }
  javaHome ??= dirname(dirname(realpathSync(requireCommand('java', JDK_HINT))));
  try {
    const release = readFileSync(join(javaHome, 'release'), 'utf8');
    const major = Number(/^JAVA_VERSION="(?:1\.)?(\d+)/m.exec(release)?.[1]);
    if (major && major < 17) {
      throw new PrerequisiteMissingError(
        `Java ${major} in ${javaHome} is too old for Elasticsearch. ${JDK_HINT}`,
      );
    }
  } catch (error) {
    if (error instanceof PrerequisiteMissingError) throw error;
    // No release file: let Elasticsearch's own version check speak.
  }
  return javaHome;
}

function jdkTool(javaHome: string, tool: string): string {
  const inHome = join(javaHome, 'bin', tool);
  if (existsSync(inHome)) return inHome;
  if (findOnPath(tool)) return tool;
  throw new PrerequisiteMissingError(
    `'${tool}' was not found in ${javaHome}/bin or on PATH (a JRE is not enough). ${JDK_HINT}`,
  );
}

/** A fresh temp folder is 0700; nobody needs to pass through it to reach its own subfolder. */
function makeSearchable(dir: string): void {
  const mode = statSync(dir).mode;
  if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
}

async function assertNobodyCanRun(home: string, dataDir: string): Promise<void> {
  const probe = asUnprivileged('test', [
    '-x',
    join(home, 'bin', 'elasticsearch'),
    '-a',
    '-r',
    join(home, 'plugins', PLUGIN_NAME, `${PLUGIN_NAME}.jar`),
    '-a',
    '-w',
    dataDir,
  ]);
  try {
    await run(probe.command, probe.args);
  } catch {
    throw new StackPartError(
      'elasticsearch: as root the server runs as the user nobody, which cannot read ' +
        `${home} or write ${dataDir}. Make their parent folders searchable (chmod o+x) ` +
        'or choose a cache and run folder outside /root.',
    );
  }
}

/** Runs a tool to completion; on failure the error carries the end of its output. */
function run(command: string, args: string[], timeoutMs = 10 * 60_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolvePromise();
        return;
      }
      const output = `${stdout}${stderr}`.trimEnd().split('\n').slice(-30).join('\n');
      reject(
        new StackPartError(
          `elasticsearch: '${command} ${args.join(' ')}' failed (${error.message.split('\n')[0]}):\n${output}`,
        ),
      );
    });
  });
}
