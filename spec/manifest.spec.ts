/**
 * The component.json contract: keys flows depend on, files sailor loads after the build, and
 * the schema's method enum being the one the code accepts. Run after `npm run build`
 * (jest's globalSetup builds first).
 */
import fs from 'fs';
import path from 'path';
import { parseRawRequest } from '../lib/actions/makeRawRequest';
import { KommoConfigError } from '../lib/client/errors';
import { RETRIES, TUNABLES } from '../lib/client/options';
import { WEBHOOK_EVENT_CODES } from '../lib/webhooks/events';
import { rejection } from './helpers';

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'component.json'), 'utf8'));
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

type Fn = { main: string; metadata?: { in?: string; out?: string } };
const functions: Array<[string, Fn]> = [...Object.entries(manifest.actions ?? {}), ...Object.entries(manifest.triggers ?? {})] as Array<[string, Fn]>;

describe('component.json', () => {
  it('declares OAuth2 credentials with the fixed fields', () => {
    expect(manifest.authClientTypes).toEqual(['oauth2']);
    expect(manifest.credentials.fields.oauth).toMatchObject({ viewClass: 'HTTPAuthView', required: true });
    expect(manifest.credentials.fields.baseUrl).toMatchObject({ label: 'Base URL', required: true });
    expect(manifest.credentials.fields.retries).toMatchObject({ label: 'Number of retries', required: false });
    expect(RETRIES).toMatchObject({ min: 0, max: 10, defaultValue: 5 });
  });

  it.each`
    key                                 | dynamicMetadata | fields
    ${'getNewAndUpdatedObjectsPolling'} | ${true}         | ${['objectType', 'timestampField', 'emitBehavior', 'startTime', 'endTime', 'pageSize', 'singlePagePerInterval', 'linkedObjects']}
    ${'getEventsPolling'}               | ${undefined}    | ${['entityType', 'eventTypes', 'startTime', 'singlePagePerInterval']}
  `('declares the polling trigger $key with its fixed config keys', ({ key, dynamicMetadata, fields }) => {
    const trigger = manifest.triggers[key];
    expect(trigger).toMatchObject({ main: `./lib/triggers/${key}.js`, type: 'polling' });
    expect(trigger.dynamicMetadata).toBe(dynamicMetadata);
    expect(Object.keys(trigger.fields).sort()).toEqual([...fields].sort());
  });

  it('has Make Raw Request with its config field', () => {
    expect(manifest.actions.makeRawRequest).toMatchObject({
      title: 'Make Raw Request',
      main: './lib/actions/makeRawRequest.js',
      fields: { doNotThrow404: { viewClass: 'CheckBoxView', label: "Don't throw error on 404 Response" } },
    });
  });

  it.each(functions)('%s: main and metadata files exist after the build', (_name, fn) => {
    expect(fs.existsSync(path.join(root, fn.main))).toBe(true);
    for (const file of [fn.metadata?.in, fn.metadata?.out].filter((f): f is string => typeof f === 'string')) {
      expect(fs.existsSync(path.join(root, file))).toBe(true);
    }
  });

  it.each(functions)('%s: the built main exports process, not a function named process', async (_name, fn) => {
    const loaded = await import(path.join(root, fn.main));
    expect(typeof loaded.process).toBe('function');
    expect(loaded.process.name).not.toBe('process');
  });

  it('has Receive Webhook Events: a webhook trigger whose events are exactly the codes the code accepts, with startup and shutdown hooks', async () => {
    const trigger = manifest.triggers.receiveWebhookEvents;
    expect(trigger).toMatchObject({
      title: 'Receive Webhook Events',
      main: './lib/triggers/receiveWebhookEvents.js',
      type: 'webhook',
      fields: {
        events: { viewClass: 'MultiSelectView', required: true },
        fetchFullObjects: { viewClass: 'CheckBoxView', required: false },
      },
    });
    expect(Object.keys(trigger.fields.events.model)).toEqual(WEBHOOK_EVENT_CODES);
    const loaded = await import(path.join(root, trigger.main));
    expect([typeof loaded.startup, typeof loaded.shutdown]).toEqual(['function', 'function']);
  });

  it('verifyCredentials.js is built and is the verifier: without it the platform accepts any credential', async () => {
    const loaded = await import(path.join(root, 'verifyCredentials.js'));
    const verify = loaded.default ?? loaded;
    expect(typeof verify).toBe('function');
    // A stub would resolve; the real verifier refuses this Base URL before sending anything.
    const failure = await rejection(verify.call({}, { oauth: { access_token: 'tok' }, baseUrl: 'ftp://acme.kommo.com' }));
    expect(String(failure)).toMatch(/Base URL must be .*the scheme "ftp:" is not supported/);
  });

  it('the input schema offers exactly the methods the action accepts, and the action refuses every other', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, manifest.actions.makeRawRequest.metadata.in), 'utf8'));
    expect(schema.properties.method.enum).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    for (const method of schema.properties.method.enum as string[]) {
      expect(parseRawRequest({ url: 'leads', method: method.toLowerCase() }).method).toBe(method);
    }
    for (const method of ['HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND']) {
      expect(() => parseRawRequest({ url: 'leads', method })).toThrow(KommoConfigError);
    }
    expect(Object.keys(schema.properties)).toEqual(['url', 'method', 'data']);
  });

  it('the output schema has statusCode, headers, responseBody', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, manifest.actions.makeRawRequest.metadata.out), 'utf8'));
    expect(Object.keys(schema.properties)).toEqual(['statusCode', 'headers', 'responseBody']);
  });

  it('declares every environment variable the code reads', () => {
    const envs = Object.values(TUNABLES).map((t) => t.env).sort();
    expect(Object.keys(manifest.envVars).sort()).toEqual(envs);
  });

  it('versions agree: component.json, package.json and the newest CHANGELOG entry', () => {
    const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
    const newest = /^## (\d+\.\d+\.\d+) \([A-Z][a-z]+ \d{1,2}, \d{4}\)$/m.exec(changelog);
    expect(newest?.[1]).toBe(manifest.version);
    expect(packageJson.version).toBe(manifest.version);
  });

  it('pins the runtime exactly and targets the platform Node version', () => {
    expect(packageJson.dependencies['elasticio-sailor-nodejs']).toBe('2.7.8');
    expect(packageJson.engines.node).toBe('24.x');
  });

  it('help links match README anchors', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const [, fn] of functions as Array<[string, Fn & { help?: { link?: string } }]>) {
      const anchor = fn.help?.link?.split('#')[1];
      expect(anchor && anchors.has(anchor)).toBe(true);
    }
  });
});
