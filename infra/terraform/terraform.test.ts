/**
 * Keeps infra/terraform consistent with serverless.yml and the local emulator topology, without
 * Terraform or its providers: the HCL is parsed with @cdktf/hcl2json and the few expressions that
 * carry names (`${var.stage}`, `${local.x}`, `${each.key}`, `${each.value.x}`, `jsonencode()` of a
 * literal) are evaluated here. Any other reference is left as written, so a name that depends on
 * something else no longer matches and the test says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { CFN_SCHEMA, ROOT } from '../../scripts/build.ts';
import { CHANGE_QUEUES, MAX_RECEIVE_COUNT, QUEUE_FILTERS } from '../../scripts/local/aws-resources.ts';
import { USAGE_EVENT_TYPES } from '../../services/metrics/contract.ts';
import { USAGE_COLUMNS } from '../../services/metrics/lake/rows.ts';
import { USAGE_CHANGE_ENTITIES } from '../../services/metrics/usage-archiver/archiver.ts';

type Json = Record<string, unknown>;

/**
 * Loaded through require so TypeScript never reads the package's declarations: they pull in the
 * DOM lib, whose fetch types then clash with Node's everywhere else in the project.
 */
const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as {
  parse(filename: string, contents: string): Promise<Json>;
};

const MODULE_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Stands for the stage on both sides: `${sls:stage}` in serverless.yml, `var.stage` in Terraform. */
const STAGE = 'STAGE';
const PREFIX = `karaoke-suite-${STAGE}`;
const LOGS_SHIPPER = 'logs-shipper';
const POST_CONFIRMATION = 'singers-post-confirmation';

interface Instance {
  name: string;
  key: string | undefined;
  block: Json;
  /** The block's attribute, evaluated for this instance. */
  get(attribute: string): Promise<unknown>;
}

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

let locals: Json = {};
let variables: Record<string, Json> = {};
let resources: Record<string, Record<string, Json>> = {};
let serverless: Json;

async function loadModule(): Promise<void> {
  for (const file of readdirSync(MODULE_DIR).filter((name) => name.endsWith('.tf'))) {
    const parsed = await parse(file, readFileSync(path.join(MODULE_DIR, file), 'utf8'));
    for (const block of (parsed.locals ?? []) as Json[]) {
      for (const [name, value] of Object.entries(block)) {
        if (name in locals) throw new Error(`local.${name} is defined twice`);
        locals[name] = value;
      }
    }
    for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, Json[]>)) {
      variables[name] = blocks[0] ?? {};
    }
    for (const [type, byName] of Object.entries((parsed.resource ?? {}) as Record<string, Json>)) {
      for (const [name, blocks] of Object.entries(byName)) {
        resources[type] ??= {};
        if (resources[type][name]) throw new Error(`${type}.${name} is defined twice`);
        resources[type][name] = (blocks as Json[])[0] ?? {};
      }
    }
  }
}

interface Scope {
  key?: string | undefined;
  value?: unknown;
}

/** Evaluates what this test understands of an HCL expression, leaving the rest as written. */
async function evaluate(expression: unknown, scope: Scope = {}): Promise<unknown> {
  if (typeof expression !== 'string') return expression;
  const encoded = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(expression);
  if (encoded) {
    const { value } = await parse('jsonencode.tf', `value = ${encoded[1]}\n`);
    return evaluateDeep(value, scope);
  }
  const single = /^\$\{([^{}]*)\}$/.exec(expression);
  if (single) {
    const value = await reference(single[1]?.trim() ?? '', scope);
    return value === undefined ? expression : value;
  }
  let result = expression;
  for (const [whole, ref = ''] of expression.matchAll(/\$\{([^{}]*)\}/g)) {
    const value = await reference(ref.trim(), scope);
    if (typeof value === 'string' || typeof value === 'number') result = result.replace(whole, String(value));
  }
  return result;
}

async function evaluateDeep(value: unknown, scope: Scope): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((item) => evaluateDeep(item, scope)));
  if (isRecord(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) => [key, await evaluateDeep(item, scope)] as const),
    );
    return Object.fromEntries(entries);
  }
  return evaluate(value, scope);
}

/** The value of a plain reference, or undefined when it is not one this test resolves. */
async function reference(ref: string, scope: Scope): Promise<unknown> {
  if (ref === 'var.stage') return STAGE;
  if (ref === 'each.key') return scope.key;
  const eachValue = /^each\.value\.(\w+)$/.exec(ref);
  if (eachValue?.[1] && isRecord(scope.value)) return evaluate(scope.value[eachValue[1]], scope);
  const local = /^local\.(\w+)$/.exec(ref);
  if (local?.[1] && local[1] in locals) return evaluate(locals[local[1]], scope);
  return undefined;
}

/** One entry per resource instance: `for_each` over a local map or list is expanded. */
function instances(type: string): Instance[] {
  return Object.entries(resources[type] ?? {}).flatMap(([name, block]) => {
    const scopes: Scope[] = [{}];
    if (block.for_each !== undefined) {
      const refs = [...String(block.for_each).matchAll(/local\.(\w+)/g)].map(([, ref = '']) => ref);
      const source = refs.length === 1 ? locals[refs[0] ?? ''] : undefined;
      if (Array.isArray(source)) scopes.splice(0, 1, ...source.map((key) => ({ key: String(key) })));
      else if (isRecord(source)) {
        scopes.splice(0, 1, ...Object.entries(source).map(([key, value]) => ({ key, value })));
      } else throw new Error(`${type}.${name}: for_each must name one local map or list`);
    }
    return scopes.map((scope) => ({
      name,
      key: scope.key,
      block,
      get: (attribute: string) => evaluate(block[attribute], scope),
    }));
  });
}

/** serverless.yml's `${sls:stage}` and `${self:custom.x}` (strings only) resolved for STAGE. */
function resolveServerless(value: string): string {
  const custom = serverless.custom as Json;
  return value
    .replace(/\$\{sls:stage\}/g, STAGE)
    .replace(/\$\{self:custom\.(\w+)\}/g, (_, key: string) => resolveServerless(String(custom[key])));
}

const functionNames = () => Object.keys(serverless.functions as Json);
const functionArnSuffix = (fn: string) => `:function:${PREFIX}-${fn}`;

/**
 * The queue names at the end of the SQS ARNs serverless.yml builds in `custom`
 * (Fn::Join of arn, partition, sqs, region, account, name), by custom key.
 */
function builtQueueArns(): Map<string, string> {
  const queues = new Map<string, string>();
  for (const [key, value] of Object.entries(serverless.custom as Json)) {
    const join = isRecord(value) ? value['Fn::Join'] : undefined;
    const parts = Array.isArray(join) && Array.isArray(join[1]) ? (join[1] as unknown[]) : [];
    if (parts[2] === 'sqs') queues.set(key, resolveServerless(String(parts.at(-1))));
  }
  return queues;
}

beforeAll(async () => {
  locals = {};
  variables = {};
  resources = {};
  await loadModule();
  const file = path.join(ROOT, 'serverless.yml');
  serverless = yaml.load(readFileSync(file, 'utf8'), { schema: CFN_SCHEMA, filename: file }) as Json;
});

describe('infra/terraform against serverless.yml', () => {
  it('creates every SSM parameter serverless.yml reads: String for CloudFormation, SecureString for secrets', async () => {
    const parameters = Object.values((serverless.resources as Json).Parameters as Json) as Json[];
    const wanted = parameters.map((parameter) => ({
      name: resolveServerless(String(parameter.Default)),
      type: /^AWS::SSM::Parameter::Value<List</.test(String(parameter.Type)) ? 'StringList' : 'String',
    }));
    expect(wanted.length).toBeGreaterThan(0);
    // What functions read themselves at cold start (services/lib/secrets.ts).
    const secrets = [...new Set(Object.values(secretParametersByFunction()).flat())].map((name) => ({
      name,
      type: 'SecureString',
    }));
    expect(secrets.length).toBeGreaterThan(0);

    const created = await Promise.all(
      instances('aws_ssm_parameter').map(async (parameter) => ({
        name: await parameter.get('name'),
        type: await parameter.get('type'),
      })),
    );
    for (const parameter of [...wanted, ...secrets]) {
      expect(parameter.name).toMatch(new RegExp(`^/karaoke-suite/${STAGE}/`));
      expect(created, parameter.name).toContainEqual(parameter);
    }
    // Anything else would be a parameter renamed on one side only.
    expect(created.map(({ name }) => name).sort()).toEqual(
      [...wanted, ...secrets].map(({ name }) => name).sort(),
    );
  });

  it('creates every queue serverless.yml builds an ARN for, by its name', async () => {
    const queueNames = [...builtQueueArns().values()];
    expect(queueNames.length).toBeGreaterThan(0);
    const created = await Promise.all(instances('aws_sqs_queue').map((queue) => queue.get('name')));
    for (const name of queueNames) expect(created, name).toContain(name);
  });

  it('gives every queue a function consumes a redrive policy to its own dead-letter queue', async () => {
    const arns = builtQueueArns();
    const consumed = Object.values(serverless.functions as Record<string, Json>)
      .flatMap((fn) => (fn.events ?? []) as Json[])
      .flatMap((event) => (isRecord(event.sqs) ? [String(event.sqs.arn)] : []))
      .map((arn) => arns.get(/^\$\{self:custom\.(\w+)\}$/.exec(arn)?.[1] ?? '') ?? arn);
    expect(consumed.length).toBeGreaterThan(0);

    const queues = instances('aws_sqs_queue');
    const names = await Promise.all(queues.map((queue) => queue.get('name')));
    for (const name of consumed) {
      const queue = queues[names.indexOf(name)];
      expect(queue, `queue ${name}`).toBeDefined();
      const redrive = await queue?.get('redrive_policy');
      expect(isRecord(redrive), `${name} has a redrive policy`).toBe(true);
      if (!isRecord(redrive) || !queue) continue;

      expect(redrive.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
      const deadLetter = referencedQueue(redrive.deadLetterTargetArn, queue.key);
      expect(deadLetter, `${name}: deadLetterTargetArn names a queue of this module`).toBeDefined();
      const deadLetterName = await deadLetter?.get('name');
      expect(deadLetterName).not.toBe(name);
      expect(deadLetterName).toMatch(new RegExp(`^${PREFIX}-`));
    }
  });

  it('subscribes the change queues to the changes topic with the filter policies of the local stack', async () => {
    const subscriptions: Record<string, unknown> = {};
    for (const subscription of instances('aws_sns_topic_subscription')) {
      if (!/^\$\{aws_sns_topic\.changes\.arn\}$/.test(String(subscription.block.topic_arn))) continue;
      expect(subscription.block.protocol).toBe('sqs');
      expect(subscription.block.raw_message_delivery).toBe(true);
      const queue = referencedQueue(subscription.block.endpoint, subscription.key);
      expect(queue, `queue of ${String(subscription.block.endpoint)}`).toBeDefined();
      const queueName = String(await queue?.get('name'));
      // The usage archiver's subscription is checked with the lake below.
      if (queueName === `${PREFIX}-usage-archiver`) continue;
      subscriptions[queueName.replace(`${PREFIX}-`, '')] = await subscription.get('filter_policy');
    }

    expect(Object.keys(subscriptions).sort()).toEqual([...CHANGE_QUEUES].sort());
    for (const queue of CHANGE_QUEUES) {
      expect(subscriptions[queue] ?? null, `filter policy of ${queue}`).toEqual(QUEUE_FILTERS[queue] ?? null);
    }
  });

  it("sends the media bucket's new objects to the queue the media-inspector consumes, as the local stack does", async () => {
    const inspector = (serverless.functions as Record<string, Json>)['media-inspector'];
    expect(inspector, 'serverless.yml declares media-inspector').toBeDefined();
    const [event] = (inspector?.events ?? []) as Json[];
    const consumedArn = /^\$\{self:custom\.(\w+)\}$/.exec(String((event?.sqs as Json | undefined)?.arn))?.[1];
    const consumed = builtQueueArns().get(consumedArn ?? '');
    expect(consumed).toBe(`${PREFIX}-media-inspector`);

    const notifications = instances('aws_s3_bucket_notification');
    expect(notifications).toHaveLength(1);
    const [notification] = notifications;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL reference, as written in the module
    expect(notification?.block.bucket).toBe('${aws_s3_bucket.media.id}');
    const [queue] = (notification?.block.queue ?? []) as Json[];
    expect(queue).toMatchObject({ events: ['s3:ObjectCreated:*'], filter_prefix: 'media/' });
    const target = referencedQueue(queue?.queue_arn, undefined);
    expect(await target?.get('name')).toBe(consumed);
    // Lambda wants the visibility timeout at six times the function's timeout.
    expect(await target?.get('visibility_timeout_seconds')).toBeGreaterThanOrEqual(
      6 * Number(inspector?.timeout),
    );

    // S3 may send to the queue (checked when the notification is created, hence the order).
    const queuePolicy = instances('aws_sqs_queue_policy').find((policy) =>
      String(policy.block.queue_url).includes('aws_sqs_queue.media_inspector.'),
    );
    expect(queuePolicy, 'a queue policy on the media-inspector queue').toBeDefined();
    expect(notification?.block.depends_on).toEqual([
      expect.stringContaining('aws_sqs_queue_policy.media_inspector'),
    ]);
    // Browsers post uploads straight to the bucket.
    const [cors] = instances('aws_s3_bucket_cors_configuration');
    const [rule] = (cors?.block.cors_rule ?? []) as Json[];
    expect(rule?.allowed_methods).toEqual(expect.arrayContaining(['POST', 'GET']));
  });

  it('feeds the usage-archiver from the usage topic and the usage entities of changes, as the local stack does', async () => {
    const archiver = (serverless.functions as Record<string, Json>)['usage-archiver'];
    const [event] = (archiver?.events ?? []) as Json[];
    const consumedArn = /^\$\{self:custom\.(\w+)\}$/.exec(String((event?.sqs as Json | undefined)?.arn))?.[1];
    expect(builtQueueArns().get(consumedArn ?? '')).toBe(`${PREFIX}-usage-archiver`);
    const byTopic: Record<string, unknown> = {};
    for (const subscription of instances('aws_sns_topic_subscription')) {
      const queue = referencedQueue(subscription.block.endpoint, subscription.key);
      if ((await queue?.get('name')) !== `${PREFIX}-usage-archiver`) continue;
      expect(subscription.block.raw_message_delivery).toBe(true);
      byTopic[String(subscription.block.topic_arn)] = (await subscription.get('filter_policy')) ?? null;
    }
    expect(byTopic).toEqual({
      '${aws_sns_topic.usage.arn}': null,
      '${aws_sns_topic.changes.arn}': { entity: [...USAGE_CHANGE_ENTITIES] },
    });
    const queue = instances('aws_sqs_queue').find((candidate) => candidate.name === 'usage_archiver');
    expect(await queue?.get('visibility_timeout_seconds')).toBeGreaterThanOrEqual(
      6 * Number(archiver?.timeout),
    );
  });

  it('declares the lake table as the archiver writes it, projected by day and type, with every named query', async () => {
    const [table] = instances('aws_glue_catalog_table');
    expect(JSON.stringify(table?.block.storage_descriptor)).toContain('local.usage_columns');
    const declared = (locals.usage_columns as Json[]).map((column) => column.name);
    expect(declared).toEqual(USAGE_COLUMNS.map(([name]) => name));
    const parameters = table?.block.parameters as Json;
    expect(parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.event_date.type': 'date',
      'projection.event_date.format': 'yyyy-MM-dd',
      'projection.event_type.type': 'enum',
    });
    expect(locals.usage_event_types).toEqual(USAGE_EVENT_TYPES);
    expect(String(parameters['storage.location.template'])).toMatch(
      /\/usage\/event_date=\$\$\{event_date\}\/event_type=\$\$\{event_type\}\/$/,
    );
    expect(instances('aws_glue_crawler')).toEqual([]);
    const [workgroup] = instances('aws_athena_workgroup');
    const configuration = JSON.stringify(workgroup?.block.configuration);
    expect(configuration).toMatch(/"bytes_scanned_cutoff_per_query":\d+/);
    expect(configuration).toContain('"output_location"');
    const queryFiles = readdirSync(path.join(ROOT, 'services', 'metrics', 'queries'))
      .filter((file) => file.endsWith('.sql'))
      .map((file) => file.replace(/\.sql$/, ''));
    expect([...(locals.usage_named_queries as string[])].sort()).toEqual(queryFiles.sort());
    expect(queryFiles).toEqual(
      expect.arrayContaining([
        'plays-by-track',
        'pitch-engagement',
        'top-searches',
        'zero-result-searches',
        'karaoke-nights',
      ]),
    );
  });

  it('subscribes the logs-shipper to the log group of every other function, never its own', async () => {
    const filters = instances('aws_cloudwatch_log_subscription_filter');
    const logGroups = await Promise.all(filters.map((filter) => filter.get('log_group_name')));
    const wanted = functionNames()
      .filter((fn) => fn !== LOGS_SHIPPER)
      .map((fn) => `/aws/lambda/${PREFIX}-${fn}`);

    expect(functionNames()).toContain(LOGS_SHIPPER);
    expect(logGroups).not.toContain(`/aws/lambda/${PREFIX}-${LOGS_SHIPPER}`);
    expect([...logGroups].sort()).toEqual(wanted.sort());
    for (const filter of filters) {
      expect(String(await filter.get('destination_arn'))).toMatch(
        new RegExp(`${functionArnSuffix(LOGS_SHIPPER)}$`),
      );
    }
    await expectInvokePermission('logs.amazonaws.com', LOGS_SHIPPER);
  });

  it('triggers the singers-post-confirmation function after a Cognito sign-up is confirmed', async () => {
    expect(functionNames()).toContain(POST_CONFIRMATION);
    const pools = instances('aws_cognito_user_pool');
    expect(pools).toHaveLength(1);
    const [pool] = pools;
    const dynamicConfig = (pool?.block.dynamic as Json | undefined)?.lambda_config as Json[] | undefined;
    const config = ((dynamicConfig?.[0]?.content as Json[] | undefined) ?? pool?.block.lambda_config) as
      | Json[]
      | undefined;
    const trigger = await evaluate(config?.[0]?.post_confirmation);
    expect(String(trigger)).toMatch(new RegExp(`${functionArnSuffix(POST_CONFIRMATION)}$`));
    await expectInvokePermission('cognito-idp.amazonaws.com', POST_CONFIRMATION);
  });

  it("logs the public API's route keys, never its paths (a pitch link's path is its secret)", () => {
    const logs = ((serverless.provider as Json).logs as Json).httpApi as Json;
    const format = String(logs.format);
    expect(JSON.parse(format.replaceAll('$context.', 'context.'))).toHaveProperty('routeKey');
    expect(format).not.toMatch(/\$context\.(path|resourcePath)\b/);
  });

  it('lets sign-out end the Cognito session and come back where the BFF sends it', async () => {
    const [client] = instances('aws_cognito_user_pool_client');
    // bff/routes/auth.ts sends the browser to `${PUBLIC_BASE_URL}/` after the provider's sign-out.
    // On the same base the sign-in callback is registered at.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL reference, as written in the module
    const base = '${local.public_base_url}';
    expect(client?.block.callback_urls).toEqual([`${base}/auth/callback`]);
    expect(client?.block.logout_urls).toEqual([`${base}/`]);
    expect(String(locals.cognito_logout_url)).toMatch(/\.amazoncognito\.com\/logout"?$/);
    const bff = (serverless.functions as Record<string, Json>).bff as Json;
    expect((bff.environment as Json).OIDC_LOGOUT_URL).toEqual({ Ref: 'OidcLogoutUrl' });
    const parameter = ((serverless.resources as Json).Parameters as Record<string, Json>).OidcLogoutUrl;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless variable, as written in serverless.yml
    expect(parameter?.Default).toBe('${self:custom.ssmPrefix}/auth/logout-url');
  });
});

/** What every function's role allows besides its row: its own log group and X-Ray. */
const EVERY_FUNCTION = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];
/** What a function in the VPC needs for its network interfaces. */
const IN_VPC = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];
/** Actions that take no resource but `*` (so a `*` resource is allowed for them alone). */
const RESOURCELESS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', ...IN_VPC]);
const DATA_API = [
  'rds-data:ExecuteStatement',
  'rds-data:BatchExecuteStatement',
  'rds-data:BeginTransaction',
  'rds-data:CommitTransaction',
  'rds-data:RollbackTransaction',
  'secretsmanager:GetSecretValue',
];
const CONSUME_QUEUE = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
const READ_SECRETS = 'ssm:GetParameters';

/**
 * Function → every action its role may allow, read from what each function's wiring runs
 * (services/<svc>/wiring.ts, services/sync/<consumer>/wiring.ts, bff/wiring.ts, logs-shipper/wiring.ts).
 * A role holding anything more fails; so does a function missing here.
 */
const PERMISSIONS: Record<string, { vpc?: true; actions: string[] }> = {
  // Redis is network only (no IAM); the health checks read the database and the queues.
  bff: {
    vpc: true,
    actions: [
      'rds-data:ExecuteStatement',
      'secretsmanager:GetSecretValue',
      READ_SECRETS,
      'execute-api:Invoke',
      'sns:Publish',
      'sqs:GetQueueAttributes',
    ],
  },
  catalog: {
    actions: [...DATA_API, READ_SECRETS, 's3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
  },
  singers: { actions: DATA_API },
  'singers-post-confirmation': { actions: DATA_API },
  rotations: { actions: DATA_API },
  performances: { actions: DATA_API },
  // Pitch e-mails: SES sends them, a refused one waits on the pitch-mail queue.
  playlists: { actions: [...DATA_API, 'ses:SendEmail', 'sqs:SendMessage', READ_SECRETS] },
  'pitch-mailer': { actions: [...CONSUME_QUEUE, 'ses:SendEmail', READ_SECRETS] },
  'performances-recorder': { actions: [...DATA_API, ...CONSUME_QUEUE] },
  'change-publisher': { actions: [...DATA_API, 'sns:Publish'] },
  'outbox-sweeper': { actions: [...DATA_API, 'sns:Publish'] },
  'search-indexer': { vpc: true, actions: [...CONSUME_QUEUE, READ_SECRETS] },
  'cache-invalidator': { vpc: true, actions: [...CONSUME_QUEUE, READ_SECRETS] },
  'media-inspector': {
    actions: [...DATA_API, ...CONSUME_QUEUE, 's3:GetObject', 's3:DeleteObject', 's3:ListBucket'],
  },
  'usage-archiver': { actions: [...CONSUME_QUEUE, 's3:PutObject'] },
  'usage-compactor': { actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'] },
  'logs-shipper': { actions: [READ_SECRETS, 'sqs:SendMessage'] },
  'dlq-monitor': { actions: ['sqs:GetQueueAttributes'] },
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** The statements of the role a function names with `role:` (declared under resources.Resources). */
function roleStatements(fn: string): Statement[] {
  const declared = (serverless.functions as Record<string, Json>)[fn]?.role;
  const role = ((serverless.resources as Json).Resources as Record<string, Json>)[String(declared)];
  expect(role?.Type, `${fn}: role ${String(declared)} is an AWS::IAM::Role of serverless.yml`).toBe(
    'AWS::IAM::Role',
  );
  const properties = (role?.Properties ?? {}) as Json;
  expect(properties.ManagedPolicyArns, `${fn}: no managed policies, only its own statements`).toBeUndefined();
  const assume = JSON.stringify(properties.AssumeRolePolicyDocument);
  expect(assume).toContain('lambda.amazonaws.com');
  return ((properties.Policies ?? []) as Json[]).flatMap(
    (policy) => ((policy.PolicyDocument as Json).Statement ?? []) as Statement[],
  );
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const resourcesOf = (statement: Statement) => [statement.Resource].flat();
const functionEnv = (fn: string) =>
  ((serverless.functions as Record<string, Json>)[fn]?.environment ?? {}) as Record<string, unknown>;

/** The SecureString parameters each function reads at cold start: the values of its `<NAME>_SSM_PARAMETER` variables. */
function secretParametersByFunction(): Record<string, string[]> {
  const provider = ((serverless.provider as Json).environment ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    functionNames().map((fn) => [
      fn,
      Object.entries({ ...provider, ...functionEnv(fn) })
        .filter(([name]) => name.endsWith('_SSM_PARAMETER'))
        .map(([, value]) => resolveServerless(String(value))),
    ]),
  );
}

/** A resource as written, with the stage filled in, for matching. */
const resourceText = (resource: unknown) => resolveServerless(JSON.stringify(resource));

describe('least privilege: a role per function with only what it runs', () => {
  it('has no shared role: every function names one of its own', () => {
    expect(
      (serverless.provider as Json).iam,
      'provider.iam (a role shared by every function)',
    ).toBeUndefined();
    const roles = functionNames().map((fn) => (serverless.functions as Record<string, Json>)[fn]?.role);
    expect(roles.every((role) => typeof role === 'string')).toBe(true);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('has a row for every function, and every row is a function', () => {
    expect(
      Object.keys(PERMISSIONS).filter((fn) => !functionNames().includes(fn) && fn !== 'pitch-mailer'),
    ).toEqual([]);
    expect(functionNames().filter((fn) => !(fn in PERMISSIONS))).toEqual([]);
  });

  it.each(Object.keys(PERMISSIONS))('%s holds no action beyond its row', (fn) => {
    const row = PERMISSIONS[fn] ?? { actions: [] };
    const allowed = new Set([...EVERY_FUNCTION, ...(row.vpc ? IN_VPC : []), ...row.actions]);
    const statements = roleStatements(fn);
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
    const held = statements.flatMap(actionsOf);
    expect(
      held.filter((action) => !allowed.has(action)),
      `${fn}: actions beyond its row`,
    ).toEqual([]);
    // The row is not padded either: each action it lists is one the function holds.
    expect(
      row.actions.filter((action) => !held.includes(action)),
      `${fn}: row actions it does not hold`,
    ).toEqual([]);
    // In the VPC exactly when the row says so.
    expect(Boolean((serverless.functions as Record<string, Json>)[fn]?.vpc), `${fn} in the VPC`).toBe(
      Boolean(row.vpc),
    );
  });

  it.each(Object.keys(PERMISSIONS))(
    '%s: no wildcard action, and a named resource wherever one can be named',
    (fn) => {
      for (const statement of roleStatements(fn)) {
        for (const action of actionsOf(statement)) expect(action, `${fn}: ${action}`).not.toMatch(/\*/);
        const resources = resourcesOf(statement);
        expect(resources.length, `${fn}: ${statement.Sid} names resources`).toBeGreaterThan(0);
        if (resources.includes('*')) {
          expect(
            actionsOf(statement).filter((action) => !RESOURCELESS.has(action)),
            `${fn}: ${statement.Sid}`,
          ).toEqual([]);
        }
        for (const resource of resources) {
          const text = resourceText(resource);
          // No account-wide or service-wide pattern: an ARN ends in a name, a key prefix or a
          // route; a log group's ARN ends in `:*`, its streams.
          if (text.includes(':log-group:')) expect(text).toMatch(/:log-group:\/aws\/lambda\/[^*"]+:\*"/);
          else if (text !== '"*"') expect(text, `${fn}: ${statement.Sid}`).not.toMatch(/:\*"|:::\*"/);
        }
      }
    },
  );

  it.each(Object.keys(PERMISSIONS))('%s writes only to its own log group', (fn) => {
    const logs = roleStatements(fn).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('logs:')),
    );
    expect(logs.flatMap(resourcesOf).map(resourceText)).toEqual([
      expect.stringContaining(`:log-group:/aws/lambda/${PREFIX}-${fn}:*`),
    ]);
  });

  it('lets each function read exactly the secret parameters it names, and no other', () => {
    for (const [fn, names] of Object.entries(secretParametersByFunction())) {
      const readable = roleStatements(fn)
        .filter((statement) => actionsOf(statement).includes(READ_SECRETS))
        .flatMap(resourcesOf)
        .map(resourceText)
        .map((arn) => /:parameter(\/[^"]+)"/.exec(arn)?.[1]);
      expect([...readable].sort(), fn).toEqual([...names].sort());
    }
  });

  it('gives execute-api:Invoke to the BFF alone, on the internal API’s /internal routes only', () => {
    for (const fn of functionNames()) {
      const invoke = roleStatements(fn).filter((statement) =>
        actionsOf(statement).includes('execute-api:Invoke'),
      );
      if (fn !== 'bff') {
        expect(invoke, fn).toEqual([]);
        continue;
      }
      expect(invoke.flatMap(resourcesOf).map(resourceText)).toEqual([
        expect.stringMatching(
          /:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:\$\{InternalApiId\}\/\*\/\*\/internal\/\*"/,
        ),
      ]);
    }
  });

  it('splits Elasticsearch into a search, an index and a logs user, each function with only its own', async () => {
    expect(locals.elasticsearch_users).toEqual({
      search: {
        cluster: ['monitor'],
        indices: [{ names: ['songs*'], privileges: ['read', 'view_index_metadata'] }],
      },
      index: {
        cluster: ['monitor'],
        indices: [
          {
            names: ['songs*'],
            privileges: ['create_index', 'read', 'write', 'view_index_metadata', 'manage'],
          },
        ],
      },
      logs: {
        cluster: ['monitor', 'manage_index_templates'],
        indices: [
          {
            names: ['karaoke-logs-*'],
            privileges: ['create_index', 'create_doc', 'auto_configure', 'view_index_metadata'],
          },
        ],
      },
    });
    const users = instances('elasticstack_elasticsearch_security_user');
    expect(users.map((user) => user.key).sort()).toEqual(['index', 'logs', 'search']);
    const esParameter = (fn: string) =>
      secretParametersByFunction()[fn]?.filter((name) => name.includes('/search/elasticsearch-url')) ?? [];
    expect(esParameter('catalog')).toEqual([`/karaoke-suite/${STAGE}/search/elasticsearch-url-search`]);
    expect(esParameter('bff')).toEqual([`/karaoke-suite/${STAGE}/search/elasticsearch-url-search`]);
    expect(esParameter('search-indexer')).toEqual([`/karaoke-suite/${STAGE}/search/elasticsearch-url-index`]);
    expect(esParameter('logs-shipper')).toEqual([`/karaoke-suite/${STAGE}/search/elasticsearch-url-logs`]);
    const withElasticsearch = functionNames().filter((fn) => esParameter(fn).length > 0);
    expect(withElasticsearch.sort()).toEqual(['bff', 'catalog', 'logs-shipper', 'search-indexer']);
  });

  it('connects the functions to the database as a user that is not the master', () => {
    const parameter = (locals.ssm_parameters as Json)['db/secret-arn'];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL reference, as written in the module
    expect(parameter).toBe('${aws_secretsmanager_secret.db_app.arn}');
    const secret = instances('aws_secretsmanager_secret_version').find(
      (version) => version.name === 'db_app',
    );
    expect(JSON.stringify(secret?.block.secret_string)).toContain('local.db_app_user');
    expect(locals.db_app_user).not.toBe(instances('aws_rds_cluster')[0]?.block.master_username);
  });
});

describe('secrets stay out of the functions’ environment', () => {
  const SECRET_NAME = /SECRET|PASSWORD|PRIVATE|_KEY$|SIGNING|TOKEN$/;

  it('passes no secret value to any function: only the names of SecureString parameters', () => {
    const parameters = (serverless.resources as Json).Parameters as Record<string, Json>;
    const provider = ((serverless.provider as Json).environment ?? {}) as Record<string, unknown>;
    for (const fn of functionNames()) {
      for (const [name, value] of Object.entries({ ...provider, ...functionEnv(fn) })) {
        const ref = isRecord(value) ? String(value.Ref ?? '') : '';
        expect(
          parameters[ref]?.NoEcho,
          `${fn}: ${name} comes from a NoEcho (secret) stack parameter`,
        ).toBeUndefined();
        if (name.endsWith('_SSM_PARAMETER')) {
          expect(typeof value, `${fn}: ${name} is a parameter name`).toBe('string');
          continue;
        }
        if (name.endsWith('_ARN')) continue; // where a secret is (DB_SECRET_ARN), not what it holds
        expect(name, `${fn}: ${name} looks like a secret; pass <NAME>_SSM_PARAMETER instead`).not.toMatch(
          SECRET_NAME,
        );
        // No credentials in a URL either (redis://:password@…, https://user:password@…).
        expect(JSON.stringify(value), `${fn}: ${name}`).not.toMatch(/:\/\/[^/"]*:[^/"]*@/);
      }
    }
  });

  it('keeps every credential-bearing Terraform value in a SecureString parameter', async () => {
    const credential =
      /client_secret|password|redis_url|elasticsearch_urls?\b|private_key|random_bytes|tls_private_key|secret_string/;
    for (const parameter of instances('aws_ssm_parameter')) {
      const value = JSON.stringify(
        parameter.key &&
          isRecord(locals.ssm_parameters) &&
          parameter.block.for_each?.toString().includes('ssm_parameters')
          ? locals.ssm_parameters[parameter.key]
          : parameter.block.value,
      );
      const holdsCredential = credential.test(value) && !/public_key_pem/.test(value);
      if (holdsCredential)
        expect(await parameter.get('type'), `${await parameter.get('name')}`).toBe('SecureString');
    }
    const secrets = instances('aws_ssm_parameter').filter((parameter) => parameter.name === 'secret');
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    for (const secret of secrets) expect(await secret.get('type')).toBe('SecureString');
  });
});

describe('the internal routes: their own API, reached by the BFF alone, never on the public domain', () => {
  it('routes nothing under /internal on the public (Serverless) API', () => {
    const paths = Object.values(serverless.functions as Record<string, Json>)
      .flatMap((fn) => (fn.events ?? []) as Json[])
      .flatMap((event) => (event.httpApi === undefined ? [] : [JSON.stringify(event.httpApi)]));
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => path.includes('/internal'))).toEqual([]);
  });

  it("serves each service's routes on the internal API, AWS_IAM-authorised, invoked from that API only", async () => {
    const contracts = readdirSync(path.join(ROOT, 'services'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .filter((entry) => {
        const contract = path.join(ROOT, 'services', entry.name, 'contract.ts');
        try {
          return /export const basePath = '\/internal\//.test(readFileSync(contract, 'utf8'));
        } catch {
          return false;
        }
      })
      .map((entry) => entry.name);
    expect([...(locals.internal_services as string[])].sort()).toEqual(contracts.sort());
    const routes = instances('aws_apigatewayv2_route');
    expect(routes.map((route) => route.key).sort()).toEqual(contracts.sort());
    for (const route of routes) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL reference, as written in the module
      expect(route.block.api_id).toBe('${aws_apigatewayv2_api.internal.id}');
      expect(route.block.authorization_type).toBe('AWS_IAM');
      expect(await route.get('route_key')).toBe(`ANY /internal/${route.key}/{proxy+}`);
    }
    for (const permission of instances('aws_lambda_permission').filter((p) => p.name === 'internal')) {
      expect(String(await permission.get('source_arn'))).toBe(
        `\${aws_apigatewayv2_api.internal.execution_arn}/*/*/internal/${permission.key}/*`,
      );
    }
  });

  it('maps the custom domain to the public API only', () => {
    const mappings = instances('aws_apigatewayv2_api_mapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const mapping of mappings)
      expect(String(mapping.block.api_id)).not.toContain('aws_apigatewayv2_api.internal');
  });
});

describe('API Gateway throttling', () => {
  const defaultOf = (name: string) => Number(variables[name]?.default);

  it('has sensible defaults: a steady rate and a larger burst, more room for the BFF’s fan-out', () => {
    for (const prefix of ['api', 'internal_api']) {
      const rate = defaultOf(`${prefix}_throttling_rate_limit`);
      const burst = defaultOf(`${prefix}_throttling_burst_limit`);
      expect(rate, prefix).toBeGreaterThan(0);
      expect(burst, prefix).toBeGreaterThanOrEqual(rate);
    }
    expect(defaultOf('internal_api_throttling_rate_limit')).toBeGreaterThan(
      defaultOf('api_throttling_rate_limit'),
    );
  });

  it('throttles the internal stage from its variables', () => {
    const [stage] = instances('aws_apigatewayv2_stage');
    const settings = (stage?.block.default_route_settings as Json[] | undefined)?.[0];
    const variable = (name: string) => `\${var.${name}}`;
    expect(settings).toEqual({
      throttling_rate_limit: variable('internal_api_throttling_rate_limit'),
      throttling_burst_limit: variable('internal_api_throttling_burst_limit'),
    });
  });

  it('throttles the public stage Serverless creates with the values Terraform publishes', () => {
    const extension = (((serverless.resources as Json).extensions as Json).HttpApiStage as Json)
      .Properties as Json;
    const settings = extension.DefaultRouteSettings as Json;
    const parameters = (serverless.resources as Json).Parameters as Record<string, Json>;
    const published = locals.ssm_parameters as Json;
    for (const [property, variable] of [
      ['ThrottlingRateLimit', 'api_throttling_rate_limit'],
      ['ThrottlingBurstLimit', 'api_throttling_burst_limit'],
    ] as const) {
      const ref = String((settings[property] as Json).Ref);
      const name = resolveServerless(String(parameters[ref]?.Default)).replace(
        `/karaoke-suite/${STAGE}/`,
        '',
      );
      expect(published[name], property).toBe(`\${tostring(var.${variable})}`);
    }
  });
});

async function expectInvokePermission(principal: string, fn: string): Promise<void> {
  const targets: string[] = [];
  for (const permission of instances('aws_lambda_permission')) {
    if (permission.block.principal === principal) targets.push(String(await permission.get('function_name')));
  }
  expect(
    targets.some((target) => target.endsWith(functionArnSuffix(fn))),
    `${principal} may invoke ${fn}`,
  ).toBe(true);
}

/** The aws_sqs_queue instance an `${aws_sqs_queue.x[each.key].arn}` reference names, for the referrer's key. */
function referencedQueue(expression: unknown, key: string | undefined): Instance | undefined {
  const ref = /^\$\{aws_sqs_queue\.(\w+)(\[each\.key\])?\.arn\}$/.exec(String(expression));
  if (!ref) return undefined;
  return instances('aws_sqs_queue').find(
    (queue) => queue.name === ref[1] && queue.key === (ref[2] ? key : undefined),
  );
}
