/**
 * Builds every function and runs `serverless package` offline (no AWS credentials, no
 * telemetry), then checks the generated CloudFormation template and the per-function zips
 * against what serverless.yml declares.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadBffConfig } from '#bff/config';
import { awsClientConfig } from '#lib/aws';
import { withSecrets } from '#lib/secrets';
import { deployedEnv, measureInit } from '#scripts/bench/init';
import {
  type BuiltBundle,
  buildFunctions,
  type FunctionBundle,
  ROOT,
  readFunctionBundles,
  WATCHED_PACKAGES,
} from '#scripts/build';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { encodeSubscriptionEvent } from '../../logs-shipper/decode.ts';

const run = promisify(execFile);
const PACKAGE_DIR = path.join(ROOT, '.serverless');
const STAGE = 'test';
const BFF_ROUTES = [
  'ANY /api/{proxy+}',
  'ANY /api',
  'ANY /auth/{proxy+}',
  'GET /p/{proxy+}',
  'POST /p/{proxy+}',
];

type Json = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties?: Json;
}
interface CfnTemplate {
  Parameters?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
}

const functions: FunctionBundle[] = readFunctionBundles();
let template: CfnTemplate;

/** Environment that proves packaging needs neither AWS credentials nor the network. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
  ]) {
    delete env[key];
  }
  // Point the SDK at config files that do not exist, so no local profile can leak in.
  const noAwsConfig = path.join(tmpdir(), 'karaoke-suite-no-aws-config');
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(noAwsConfig, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(noAwsConfig, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // No telemetry, update or notification requests to the vendor's backend.
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

async function exec(bin: string, args: string[]): Promise<void> {
  try {
    await run(path.join(ROOT, 'node_modules/.bin', bin), args, {
      cwd: ROOT,
      env: offlineEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${bin} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** Logical id the framework gives a function's AWS::Lambda::Function resource. */
const lambdaLogicalId = (name: string): string => {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
};

/** File names in a zip archive, read from its central directory. */
function zipEntries(file: string): string[] {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

function resourcesOfType(type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** Logical ids named by a `Fn::Sub` string: `${Id}` and `${Id.Attr}`, minus its local variables. */
function subReferences(value: unknown): string[] {
  const [text, locals] = Array.isArray(value) ? value : [value, {}];
  if (typeof text !== 'string') return [];
  const localNames = typeof locals === 'object' && locals !== null ? Object.keys(locals) : [];
  return [...text.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)]
    .map(([, id = '']) => id)
    .filter((id) => !localNames.includes(id));
}

/** Every logical id the template refers to through `Ref`, `Fn::GetAtt` or `Fn::Sub`. */
function referencedIds(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) referencedIds(item, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') {
        found.add(value);
      } else if (key === 'Fn::GetAtt' && Array.isArray(value) && typeof value[0] === 'string') {
        found.add(value[0]);
      } else if (key === 'Fn::Sub') {
        for (const id of subReferences(value)) found.add(id);
      }
      referencedIds(value, found);
    }
  }
  return found;
}

beforeAll(async () => {
  await rm(PACKAGE_DIR, { recursive: true, force: true });
  await exec('tsx', ['scripts/build.ts']);
  await exec('serverless', ['package', '--stage', STAGE]);
  template = JSON.parse(
    readFileSync(path.join(PACKAGE_DIR, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
}, 300_000);

describe('serverless package', () => {
  it('declares the BFF function', () => {
    expect(functions.map((fn) => fn.name)).toContain('bff');
  });

  describe.each(functions)('function $name', (fn) => {
    it('is an arm64 nodejs24.x Lambda with Active X-Ray tracing and the declared handler', () => {
      const resource = template.Resources[lambdaLogicalId(fn.name)];
      expect(resource?.Type).toBe('AWS::Lambda::Function');
      const props = resource?.Properties ?? {};
      expect(props.Handler).toBe(fn.handler);
      expect(props.Runtime).toBe('nodejs24.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    });

    it('has its handler file and source map in the bundle directory', () => {
      for (const file of [fn.outFile, `${fn.outFile}.map`]) {
        const full = path.join(ROOT, file);
        expect(existsSync(full), `${file} exists`).toBe(true);
        expect(statSync(full).size).toBeGreaterThan(0);
      }
      // Lambda resolves handler `dist/x/handler.handler` to dist/x/handler.{js,mjs,cjs}.
      expect(fn.outFile).toBe(`${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.mjs`);
    });

    it('ships a zip with only its own bundle', () => {
      const zip = path.join(PACKAGE_DIR, `${fn.name}.zip`);
      expect(existsSync(zip), `${zip} exists`).toBe(true);
      const entries = zipEntries(zip);
      expect(entries).toContain(fn.outFile);
      expect(entries).toContain(`${fn.outFile}.map`);
      expect(entries.filter((entry) => !entry.startsWith(`${fn.outDir}/`))).toEqual([]);

      const code = template.Resources[lambdaLogicalId(fn.name)]?.Properties?.Code as Json | undefined;
      expect(String(code?.S3Key)).toMatch(new RegExp(`/${fn.name}\\.zip$`));
    });
  });

  it('routes the BFF paths of the HTTP API to the BFF function', () => {
    const routes = new Map(
      resourcesOfType('AWS::ApiGatewayV2::Route').map(([, route]) => [route.Properties?.RouteKey, route]),
    );
    const integrations = resourcesOfType('AWS::ApiGatewayV2::Integration');
    const bffIntegration = integrations.find(
      ([, integration]) =>
        JSON.stringify(integration.Properties?.IntegrationUri) ===
        JSON.stringify({ 'Fn::GetAtt': [lambdaLogicalId('bff'), 'Arn'] }),
    );
    expect(bffIntegration, 'integration for the BFF Lambda').toBeDefined();

    for (const routeKey of BFF_ROUTES) {
      const route = routes.get(routeKey);
      expect(route, `route ${routeKey}`).toBeDefined();
      expect(route?.Properties?.Target).toEqual({
        'Fn::Join': ['/', ['integrations', { Ref: bffIntegration?.[0] }]],
      });
    }

    const invokePermission = resourcesOfType('AWS::Lambda::Permission').find(
      ([, permission]) =>
        permission.Properties?.Principal === 'apigateway.amazonaws.com' &&
        JSON.stringify(permission.Properties.FunctionName) ===
          JSON.stringify({ 'Fn::GetAtt': [lambdaLogicalId('bff'), 'Arn'] }),
    );
    expect(invokePermission, 'API Gateway may invoke the BFF').toBeDefined();
  });

  it('gives the BFF every environment variable its config requires, its secrets as SSM parameter names', async () => {
    const variables = template.Resources[lambdaLogicalId('bff')]?.Properties?.Environment as
      | { Variables: Record<string, unknown> }
      | undefined;
    // Values resolved by CloudFormation at deploy time stand in as URL-shaped placeholders;
    // the point is that no required variable is missing and literal values are valid.
    const env = Object.fromEntries(
      Object.entries(variables?.Variables ?? {}).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `https://${name.toLowerCase().replaceAll('_', '-')}.invalid`,
      ]),
    );
    // What the SecureString parameters hold, by the last part of their name, read as at a cold start.
    const secretValues: Record<string, string> = {
      'redis-url': 'rediss://:token@cache.invalid:6379',
      'elasticsearch-url-search': 'https://search:password@search.invalid',
      'client-secret': 'client-secret',
      'actor-token-signing-key': generateKeyPairSync('ec', {
        namedCurve: 'P-256',
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey,
      'session-encryption-key': randomBytes(32).toString('base64url'),
      'cookie-key': randomBytes(32).toString('base64url'),
    };
    const read: string[] = [];
    const parameters = {
      read: async (names: readonly string[]) => {
        read.push(...names);
        return new Map(names.map((name) => [name, secretValues[name.split('/').at(-1) ?? ''] ?? '']));
      },
    };
    const resolved = await withSecrets({ ...env, AWS_REGION: 'eu-west-1' }, parameters);
    expect(read.length).toBeGreaterThan(0);
    expect(() => loadBffConfig(resolved)).not.toThrow();
  });

  it('attaches every function that talks to Redis to the VPC subnets and security group from Terraform', () => {
    const redisUsers = functions.filter((fn) => {
      const environment = template.Resources[lambdaLogicalId(fn.name)]?.Properties?.Environment as
        | { Variables: Record<string, unknown> }
        | undefined;
      return environment?.Variables.REDIS_URL_SSM_PARAMETER !== undefined;
    });
    expect(redisUsers.map((fn) => fn.name)).toContain('bff');
    for (const fn of redisUsers) {
      const vpc = template.Resources[lambdaLogicalId(fn.name)]?.Properties?.VpcConfig;
      expect(referencedIds(vpc), fn.name).toEqual(new Set(['LambdaSecurityGroupId', 'LambdaSubnetIds']));
    }
    expect(String((template.Parameters?.LambdaSubnetIds as Json | undefined)?.Type)).toContain(
      'List<AWS::EC2::Subnet::Id>',
    );
  });

  it('gives each function a role of its own: no wildcard actions, wildcard resources only where none can be named', () => {
    const roles = new Set(
      functions.map((fn) => {
        const role = template.Resources[lambdaLogicalId(fn.name)]?.Properties?.Role as Json | undefined;
        const [logicalId] = (role?.['Fn::GetAtt'] ?? []) as string[];
        expect(template.Resources[String(logicalId)]?.Type, fn.name).toBe('AWS::IAM::Role');
        return String(logicalId);
      }),
    );
    expect(roles.size).toBe(functions.length);
    expect(template.Resources.IamRoleLambdaExecution, 'no role shared by every function').toBeUndefined();
    const resourcelessPrefixes = ['xray:', 'ec2:'];
    for (const role of roles) {
      const policies = (template.Resources[role]?.Properties?.Policies ?? []) as {
        PolicyDocument: { Statement: Json[] };
      }[];
      const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
      const actions = statements.flatMap((statement) => [statement.Action].flat() as string[]);
      expect(actions, role).toContain('xray:PutTraceSegments');
      expect(
        actions.filter((action) => action.includes('*')),
        role,
      ).toEqual([]);
      for (const statement of statements) {
        if (![statement.Resource].flat().includes('*')) continue;
        const named = [statement.Action].flat().map(String);
        expect(
          named.every((action) => resourcelessPrefixes.some((prefix) => action.startsWith(prefix))),
          role,
        ).toBe(true);
      }
    }
  });

  it('only references parameters and resources that exist in the template', () => {
    const known = new Set([...Object.keys(template.Parameters ?? {}), ...Object.keys(template.Resources)]);
    const dangling = [...referencedIds(template.Resources)].filter(
      (id) => !known.has(id) && !id.startsWith('AWS::'),
    );
    expect(dangling).toEqual([]);
  });
});

describe('function bundles', () => {
  /** Functions that neither search nor touch the read cache. */
  const LEAN = ['dlq-monitor', 'outbox-sweeper', 'change-publisher', 'singers-post-confirmation'];
  let outRoot: string;
  let built: BuiltBundle[];
  const bundleOf = (name: string) => built.find((fn) => fn.name === name) as BuiltBundle;

  /**
   * Runs a built function in a fresh process as Lambda would: `env` is all it gets (AWS endpoints
   * through the SDK's own AWS_ENDPOINT_URL_<SERVICE>, credentials from the environment), `event`
   * goes to its handler, and what the handler returns comes back.
   */
  async function invoke(name: string, env: Record<string, string>, event: unknown): Promise<unknown> {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const { handler } = await import(process.argv[1]); ' +
          'console.log(JSON.stringify(await handler(JSON.parse(process.argv[2])))); process.exit(0);',
        pathToFileURL(path.join(outRoot, bundleOf(name).outFile)).href,
        JSON.stringify(event),
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          STAGE: 'test',
          LOG_LEVEL: 'SILENT',
          AWS_REGION: LOCAL_REGION,
          AWS_ENDPOINT_URL_SQS: inject('awsEndpointUrl'),
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          ...env,
        },
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
  }

  beforeAll(async () => {
    outRoot = await mkdtemp(path.join(tmpdir(), 'karaoke-bundles-'));
    built = await buildFunctions(functions, ROOT, outRoot);
  }, 120_000);

  it('each start with the environment their function gets on AWS, whatever they leave out', async () => {
    const started = await measureInit(path.join(outRoot, 'dist'), deployedEnv(inject('localEnv')), 1);
    expect(started.filter((timing) => timing.error !== undefined)).toEqual([]);
    expect(started.map((timing) => timing.name).sort()).toEqual(functions.map((fn) => fn.name).sort());
  });

  it('are each at most 1 MiB', () => {
    const over = built.filter((bundle) => bundle.bytes > 1024 * 1024).map((bundle) => bundle.name);
    expect(over).toEqual([]);
  });

  afterAll(async () => {
    await rm(outRoot, { recursive: true, force: true });
  });

  it('keep the Elasticsearch client and ioredis out of functions that use neither', () => {
    const carried = Object.fromEntries(
      built
        .filter((bundle) => LEAN.includes(bundle.name))
        .map((bundle) => [
          bundle.name,
          WATCHED_PACKAGES.filter((name) => bundle.packages[name] !== undefined),
        ]),
    );
    expect(carried).toEqual(Object.fromEntries(LEAN.map((name) => [name, []])));
  });

  it('still word configuration errors in English after the other zod locales are left out', async () => {
    const bundle = built.find((fn) => fn.name === 'dlq-monitor') as BuiltBundle;
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'await import(process.argv[1]).catch((error) => console.log(error.message));',
        pathToFileURL(path.join(outRoot, bundle.outFile)).href,
      ],
      {
        env: {
          PATH: process.env.PATH,
          STAGE: 'test',
          AWS_REGION: 'eu-west-1',
          LOG_LEVEL: 'LOUD',
          DLQ_URLS: 'https://sqs.eu-west-1.amazonaws.com/123456789012/a-dlq',
        },
      },
    );
    expect(stdout).toContain(
      'LOG_LEVEL: Invalid option: expected one of "DEBUG"|"INFO"|"WARN"|"ERROR"|"SILENT"',
    );
  });

  it('call AWS with the credentials Lambda puts in the environment: the dlq-monitor reads a real queue', async () => {
    const sqs = new SQSClient(
      awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') }),
    );
    const queue = (
      await sqs.send(new CreateQueueCommand({ QueueName: `bundle-dlq-${randomBytes(4).toString('hex')}` }))
    ).QueueUrl as string;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{}' }));
    sqs.destroy();
    expect(await invoke('dlq-monitor', { DLQ_URLS: queue }, {})).toEqual({
      sampled: [{ queue: queue.split('/').at(-1), depth: 1 }],
      failed: [],
    });
  });

  it('reach Elasticsearch without undici: the logs-shipper bundle indexes a CloudWatch delivery', async () => {
    const prefix = `bundle-logs-${randomBytes(4).toString('hex')}`;
    const logGroup = `/aws/lambda/${prefix}`;
    const message = JSON.stringify({
      '@timestamp': new Date().toISOString(),
      message: 'shipped by the bundle',
    });
    const delivery = encodeSubscriptionEvent({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup,
      logStream: 'bundle',
      subscriptionFilters: ['karaoke-suite-logs'],
      logEvents: [{ id: `${Date.now()}0000000000000000000001`, timestamp: Date.now(), message }],
    });
    await invoke(
      'logs-shipper',
      {
        ELASTICSEARCH_URL: inject('elasticsearchUrl'),
        LOGS_INDEX_PREFIX: prefix,
        LOGS_DEAD_LETTER_QUEUE_URL: `${inject('awsEndpointUrl')}/123456789012/unused`,
      },
      delivery,
    );
    const elasticsearch = inject('elasticsearchUrl');
    await fetch(`${elasticsearch}/${prefix}-*/_refresh`, { method: 'POST' });
    const found = (await (await fetch(`${elasticsearch}/${prefix}-*/_search`)).json()) as {
      hits: { hits: Array<{ _source: { message: string } }> };
    };
    expect(found.hits.hits.map((hit) => hit._source.message)).toEqual(['shipped by the bundle']);
  });
});
