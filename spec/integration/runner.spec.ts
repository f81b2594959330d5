/**
 * `npm start` (tools/run.ts), spawned as a person runs it: the demo, any action or trigger of
 * component.json with a kept snapshot, the hooks and service calls, output summaries, and the
 * mistakes a new user makes. Functions that 1.0 does not have (triggers, getMetaModel, select
 * models) run from a small fixture component in a temporary directory: like sailor, the runner
 * runs the component in its working directory.
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const runner = path.join(root, 'tools', 'run.ts');

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Environment without a real account or a webhook address from the developer's shell. */
const cleanEnv = { ...process.env, KOMMO_BASE_URL: '', KOMMO_ACCESS_TOKEN: '', ELASTICIO_FLOW_WEBHOOK_URI: '', FORCE_COLOR: '0' };

function start(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [runner, ...args], { cwd: options.cwd ?? root, env: { ...cleanEnv, ...options.env } }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ stdout, stderr, exitCode: error ? (typeof code === 'number' ? code : -1) : 0 });
    });
  });
}

// Written before the table below is run: concurrent tests do not wait for beforeAll.
const arrayCfg = path.join(os.tmpdir(), `runner-array-cfg-${process.pid}.json`);
fs.writeFileSync(arrayCfg, '[1]');
afterAll(() => fs.rmSync(arrayCfg, { force: true }));

describe('npm start: the component of this repository', () => {
  it('runs the demo: verify, account, create, list, 404 both ways, origin attack, the contacts\' custom fields', async () => {
    const { stdout, exitCode } = await start([]);
    expect(exitCode).toBe(0);
    const steps = stdout.split(/\n(?=\d+\. )/);
    expect(steps).toHaveLength(10);
    expect(steps[1]).toContain('{"verified": true}');
    expect(steps[2]).toMatch(/"verified": false, "reason": ".*Reconnect the credential/);
    expect(steps[3]).toMatch(/→ data message\s+\{\s+"statusCode": 200/);
    expect(steps[4]).toMatch(/POST \/api\/v4\/leads -> 200[\s\S]*"request_id": "demo-1"/);
    expect(steps[5]).toContain('Demo deal from npm start');
    expect(steps[5]).toContain('Summarised: not shown are 2 array items');
    expect(steps[6]).toContain('→ error message');
    expect(steps[6]).toContain('KommoNotFoundError');
    expect(steps[6]).toContain('Enable "Don\'t throw error on 404 Response" to receive 404 as data.');
    expect(steps[7]).toContain('"statusCode": 404');
    expect(steps[8]).toContain('KommoConfigError');
    expect(steps[9]).toContain('custom_fields_by_id of the upsert in-schema for contacts: 28 fields');
    expect(steps[9]).toMatch(/720001 {2}Phone +multitext +array of \{value, enum_code: WORK \| WORKDD \| MOB \| FAX \| HOME \| OTHER\}/);
    expect(steps[9]).toMatch(/720007 {2}Source +select +string: "Website" \| "Referral" \| "Trade show"/);
    expect(steps[9]).toMatch(/720009 {2}Contract date +date +string "YYYY-MM-DD"/);
    expect(steps[9]).toContain('Built from 1 Kommo request(s): GET /api/v4/contacts/custom_fields?page=1&limit=50.');
    expect(stdout).toMatch(/the platform received 1 secret call\(s\) for 6 messages/);
  }, 30000);

  it('runs one action from flags and exits non-zero when the component emitted an error', async () => {
    const ok = await start(['--action', 'makeRawRequest', '--body', '{"url":"leads?limit=1","method":"GET"}']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('Kommo sandbox at http://127.0.0.1:');
    expect(ok.stdout).toContain('"statusCode": 200');
    const failed = await start(['--action', 'makeRawRequest', '--body', '{"url":"leads","method":"TRACE"}']);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('Method must be one of GET, POST, PUT, PATCH, DELETE');
  }, 30000);

  it('-h documents every mode and the --cfg format', async () => {
    const { stdout, exitCode } = await start(['-h']);
    expect(exitCode).toBe(0);
    for (const flag of ['--action KEY', '--trigger KEY', '--startup', '--shutdown', '--metadata', '--select MODEL', '--verify', '--full', '--reset-snapshot', '--body JSON', '--message JSON', '--serve-sandbox']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toMatch(/--cfg CFG\s+the step's configuration: a JSON file, or an inline JSON object/);
    expect(stdout).toContain('"oauth": {"access_token": "…"}');
  });

  it.concurrent.each([
    ['an unknown option', ['--bogus'], {}, /^Unknown option --bogus\.\nnpm start -- -h lists the options\./],
    ['--body without a function', ['--body', '{"url":"leads"}'], {}, /--body needs --action KEY or --trigger KEY/],
    ['--cfg without a function', ['--cfg', 'cfg.json'], {}, /--cfg needs --action KEY or --trigger KEY \(or --verify for --cfg\)/],
    ['invalid --body JSON', ['--action', 'makeRawRequest', '--body', '{"url":"leads",}'], {}, /--body is not valid JSON: .* at line 1, column 16:\n {2}\{"url":"leads",\}\n {17}\^/],
    ['truncated --body JSON', ['--action', 'makeRawRequest', '--body', '{"url":"leads"'], {}, /--body is not valid JSON: .* at line 1, column 15:/],
    ['a missing --cfg file', ['--verify', '--cfg', 'no-such-cfg.json'], {}, /^The --cfg file no-such-cfg.json does not exist\./],
    ['an unreadable --cfg file (a directory)', ['--verify', '--cfg', 'tools'], {}, /^The --cfg file tools is a directory\./],
    ['a --cfg file that is not an object', ['--verify', '--cfg', arrayCfg], {}, /^The --cfg file .*array-cfg.* must be a JSON object/],
    ['KOMMO_BASE_URL without a token', ['--verify'], { KOMMO_BASE_URL: 'https://acme.kommo.com' }, /^KOMMO_BASE_URL is set but KOMMO_ACCESS_TOKEN is not/],
    ['a token without KOMMO_BASE_URL', ['--verify'], { KOMMO_ACCESS_TOKEN: 'token' }, /^KOMMO_ACCESS_TOKEN is set but KOMMO_BASE_URL is not/],
    ['--cfg with baseUrl but no credential', ['--verify', '--cfg', '{"baseUrl":"https://acme.kommo.com"}'], {}, /--cfg sets baseUrl but holds no credential/],
    ['--action and --trigger together', ['--action', 'a', '--trigger', 'b'], {}, /Give --action KEY or --trigger KEY, not both/],
    ['--verify with a function', ['--verify', '--action', 'makeRawRequest'], {}, /--verify checks the credential and takes only --cfg; drop --action/],
    ['two calls at once', ['--action', 'makeRawRequest', '--metadata', '--startup'], {}, /--startup and --metadata: one call per run/],
    ['--body with --metadata', ['--action', 'makeRawRequest', '--metadata', '--body', '{}'], {}, /--body belongs to process\(msg, cfg, snapshot\); --metadata does not take it/],
    ['a value without an option', ['--action', 'makeRawRequest', 'leads'], {}, /Unexpected argument "leads"/],
  ])('refuses %s with a clear message, exit 2, before starting anything', async (_label, args, env, message) => {
    const { stdout, stderr, exitCode } = await start(args as string[], { env: env as Record<string, string> });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('npm start -- -h lists the options.');
    expect(stdout).not.toContain('Kommo sandbox at');
  });

  it('names the function that does not exist, and what exists', async () => {
    const trigger = await start(['--trigger', 'makeRawRequest']);
    expect(trigger.exitCode).toBe(1);
    expect(trigger.stderr).toMatch(/component.json has no trigger makeRawRequest; triggers: .*makeRawRequest is an action: use --action makeRawRequest/);
    const metadata = await start(['--action', 'makeRawRequest', '--metadata']);
    expect(metadata.exitCode).toBe(1);
    expect(metadata.stderr).toMatch(/^action makeRawRequest exports no getMetaModel; it exports: .*process/);
  });

  describe('--serve-sandbox: one sandbox for several runs', () => {
    let served: ChildProcess;
    let env: Record<string, string>;

    beforeAll(async () => {
      served = spawn(tsx, [runner, '--serve-sandbox'], { cwd: root, env: cleanEnv });
      let output = '';
      const line = await new Promise<string>((resolve, reject) => {
        served.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /export (KOMMO_BASE_URL=\S+ KOMMO_ACCESS_TOKEN=\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        served.once('exit', (code) => reject(new Error(`--serve-sandbox exited with ${code}: ${output}`)));
      });
      env = Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string]));
    }, 20000);

    afterAll(async () => {
      const exited = new Promise((resolve) => served.once('exit', resolve));
      if (served.pid) process.kill(served.pid, 'SIGTERM');
      await exited;
    });

    it('keeps its data between runs that reach it through KOMMO_BASE_URL and KOMMO_ACCESS_TOKEN', async () => {
      const created = await start(['--action', 'makeRawRequest', '--body', '{"url":"leads","method":"POST","data":[{"name":"Kept between runs"}]}'], { env });
      expect(created.exitCode).toBe(0);
      expect(created.stdout).toContain(`Kommo account at ${env.KOMMO_BASE_URL}`);
      const listed = await start(['--action', 'makeRawRequest', '--body', '{"url":"leads?limit=1&order[id]=desc","method":"GET"}'], { env });
      expect(listed.stdout).toContain('"name": "Kept between runs"');
    });

    it('Receive Webhook Events: --startup subscribes, a saved delivery (samples/webhook-delivery.json) becomes messages, --shutdown unsubscribes', async () => {
      const hookEnv = { ...env, ELASTICIO_FLOW_WEBHOOK_URI: 'http://127.0.0.1:9/hook/local-flow' };
      const cfg = ['--cfg', '{"events": ["status_lead", "update_contact"]}'];
      // The local defaults of the flow's variables give this token (samples/webhook-delivery.json carries it).
      const destination = 'http://127.0.0.1:9/hook/local-flow/4aa83ed70151a4020e51f3db14ff16782d01d8d0b2d30da1ea2624f9d7a0b816';
      const webhooks = () => start(['--action', 'makeRawRequest', '--full', '--body', '{"url":"webhooks","method":"GET"}'], { env });

      const up = await start(['--trigger', 'receiveWebhookEvents', '--startup', ...cfg], { env: hookEnv });
      expect(up.exitCode).toBe(0);
      expect(up.stdout).toContain(`"destination": "${destination}"`);
      expect((await webhooks()).stdout).toContain(`"destination": "${destination}"`);

      const fed = await start(['--trigger', 'receiveWebhookEvents', '--message', '@samples/webhook-delivery.json', ...cfg], { env: hookEnv });
      expect(fed.exitCode).toBe(0);
      expect(fed.stdout).toContain('2 messages emitted');
      expect(fed.stdout).toMatch(/"event": "status_lead"[\s\S]*"event": "update_contact"/);

      const down = await start(['--trigger', 'receiveWebhookEvents', '--shutdown', ...cfg], { env: hookEnv });
      expect(down.exitCode).toBe(0);
      expect(down.stdout).toContain('INFO Kommo webhook http://127.0.0.1:9/hook/local-flow/… deleted');
      expect((await webhooks()).stdout).not.toContain(destination);
    }, 30000);

    it('--trigger getNewAndUpdatedObjectsPolling runs one poll and keeps its snapshot: the next run continues from it', async () => {
      const poll = ['--trigger', 'getNewAndUpdatedObjectsPolling', '--cfg', '{"objectType": "leads"}'];
      const first = await start([...poll, '--reset-snapshot'], { env });
      expect(first.exitCode).toBe(0);
      expect(first.stdout).toContain('"name": "Website redesign for Acme"');
      expect(first.stdout).toContain('"custom_fields_by_id"');
      expect(first.stdout).toMatch(/snapshot saved to \.tmp\/runner\/trigger\.getNewAndUpdatedObjectsPolling\.127\.0\.0\.1_\d+\.snapshot\.json/);
      const next = await start(poll, { env });
      expect(next.exitCode).toBe(0);
      expect(next.stdout).toMatch(/snapshot from \.tmp\/runner\/trigger\.getNewAndUpdatedObjectsPolling\./);
      expect(next.stdout).not.toContain('Website redesign for Acme');
    });

    it('--verify exits 0 when the credential is accepted and 1 when it is refused', async () => {
      const accepted = await start(['--verify'], { env });
      expect(accepted.exitCode).toBe(0);
      expect(accepted.stdout).toContain('{"verified": true}');
      const refused = await start(['--verify'], { env: { ...env, KOMMO_ACCESS_TOKEN: 'revoked-token' } });
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toMatch(/"verified": false, "reason": ".*Kommo rejected the access token/);
    });
  });
});

describe('npm start: any trigger or action of a component (fixture)', () => {
  let dir: string;
  const inFixture = (...args: string[]) => start(args, { cwd: dir });
  const snapshotFile = () => path.join(dir, '.tmp', 'runner', 'trigger.tick.sandbox.snapshot.json');
  const startupFile = () => path.join(dir, '.tmp', 'runner', 'trigger.tick.sandbox.startup.json');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-fixture-'));
    fs.writeFileSync(path.join(dir, 'component.json'), JSON.stringify({
      triggers: { tick: { main: './tick.js' }, ghost: { main: './lib/triggers/ghost.js' } },
      actions: { echo: { main: './echo.js' } },
    }));
    fs.writeFileSync(path.join(dir, 'tick.js'), `
      exports.process = async function processTrigger(msg, cfg, snapshot) {
        const account = await fetch(cfg.baseUrl + '/api/v4/account', { headers: { authorization: 'Bearer ' + cfg.oauth.access_token } });
        const n = (snapshot.n || 0) + 1;
        await this.emit('data', { body: { n, account: account.status, seen: snapshot, got: msg.body, query: msg.query,
          items: Array.from({ length: 50 }, (_, i) => i), text: 'x'.repeat(1000) } });
        if (msg.body.replaceWith) await this.emit('snapshot', msg.body.replaceWith);
        else await this.emit('updateSnapshot', { n });
        if (msg.body.fail) throw new Error('tick failed after its snapshot');
      };
      exports.startup = async function startup(cfg) {
        return { destination: process.env.ELASTICIO_FLOW_WEBHOOK_URI, credential: Boolean(cfg.oauth && cfg.baseUrl) };
      };
      exports.shutdown = async function shutdown(cfg, data) { console.log('shutdown received ' + JSON.stringify(data)); };
      exports.getMetaModel = async function getMetaModel() {
        const properties = {};
        for (let i = 0; i < 40; i += 1) properties['f' + i] = { type: 'string', title: 'Field ' + i };
        return { in: { type: 'object', properties: {} }, out: { type: 'object', properties } };
      };
      exports.getThings = function getThings(cfg, callback) { callback(null, { a: 'Thing A', objectType: cfg.objectType }); };
    `);
    fs.writeFileSync(path.join(dir, 'echo.js'), 'exports.process = async function processAction(msg) { return { body: msg.body }; };\n');
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const readSnapshot = () => JSON.parse(fs.readFileSync(snapshotFile(), 'utf8')) as unknown;

  it('keeps the snapshot between runs as sailor does: updateSnapshot merges, snapshot replaces, --reset-snapshot starts over', async () => {
    const first = await inFixture('--trigger', 'tick');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('snapshot {} (a first run)');
    expect(first.stdout).toMatch(/"n": 1,\s+"account": 200,\s+"seen": \{\}/);
    expect(readSnapshot()).toEqual({ n: 1 });

    const second = await inFixture('--trigger', 'tick');
    expect(second.stdout).toMatch(/"n": 2,\s+"account": 200,\s+"seen": \{\s+"n": 1\s+\}/);
    expect(second.stdout).toContain('snapshot saved to .tmp/runner/trigger.tick.sandbox.snapshot.json');
    expect(readSnapshot()).toEqual({ n: 2 });

    await inFixture('--trigger', 'tick', '--body', '{"replaceWith": {"cursor": "c1"}}');
    expect(readSnapshot()).toEqual({ cursor: 'c1' });
    await inFixture('--trigger', 'tick');
    expect(readSnapshot()).toEqual({ cursor: 'c1', n: 1 });

    // Sailor publishes a snapshot when it is emitted, even if the call then fails.
    const failed = await inFixture('--trigger', 'tick', '--body', '{"fail": true}');
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('tick failed after its snapshot');
    expect(readSnapshot()).toEqual({ cursor: 'c1', n: 2 });

    const reset = await inFixture('--trigger', 'tick', '--reset-snapshot');
    expect(reset.stdout).toContain('snapshot {} (a first run)');
    expect(readSnapshot()).toEqual({ n: 1 });
  }, 30000);

  it('summarises emitted messages and says what it cut; --full prints them whole', async () => {
    const summary = await inFixture('--trigger', 'tick', '--reset-snapshot');
    expect(summary.stdout).toContain('"… 47 more items"');
    expect(summary.stdout).toContain('Summarised: not shown are 47 array items (in 1 array), 800 characters (of 1 long string). --full prints everything.');
    expect(summary.stdout).not.toContain('x'.repeat(201));

    const full = await inFixture('--trigger', 'tick', '--full');
    expect(full.stdout).toMatch(/\s49\n\s+\],/);
    expect(full.stdout).toContain('x'.repeat(1000));
    expect(full.stdout).not.toContain('Summarised');
  });

  it('feeds a saved delivery to process with --body @FILE, or a whole message with --message', async () => {
    const delivery = path.join(dir, 'delivery.json');
    fs.writeFileSync(delivery, JSON.stringify({ 'leads[add][0][id]': '42' }));
    const fromFile = await inFixture('--trigger', 'tick', '--body', `@${delivery}`);
    expect(fromFile.stdout).toMatch(/"got": \{\s+"leads\[add\]\[0\]\[id\]": "42"\s+\}/);

    const whole = await inFixture('--trigger', 'tick', '--message', '{"body": {"a": 1}, "query": {"secret": "s1"}}');
    expect(whole.stdout).toMatch(/"got": \{\s+"a": 1\s+\},\s+"query": \{\s+"secret": "s1"\s+\}/);

    const missing = await inFixture('--trigger', 'tick', '--body', '@no-such-delivery.json');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('The --body file no-such-delivery.json does not exist.');
  });

  it('--startup saves what the hook returned and --shutdown hands it back, once', async () => {
    const up = await inFixture('--trigger', 'tick', '--startup');
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toMatch(/"destination": "http:\/\/127\.0\.0\.1:9\/hook\/local-flow",\s+"credential": true/);
    expect(JSON.parse(fs.readFileSync(startupFile(), 'utf8'))).toEqual({ destination: 'http://127.0.0.1:9/hook/local-flow', credential: true });

    const down = await inFixture('--trigger', 'tick', '--shutdown');
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain('shutdown received {"destination":"http://127.0.0.1:9/hook/local-flow","credential":true}');
    expect(fs.existsSync(startupFile())).toBe(false);

    const again = await inFixture('--trigger', 'tick', '--shutdown');
    expect(again.stdout).toContain('no startup data saved for this trigger and account: data is {}');
    expect(again.stdout).toContain('shutdown received {}');
  });

  it('--metadata prints what getMetaModel returns, --select what a select model returns', async () => {
    const metadata = await inFixture('--trigger', 'tick', '--metadata');
    expect(metadata.exitCode).toBe(0);
    expect(metadata.stdout).toContain('"title": "Field 29"');
    expect(metadata.stdout).toContain('"…": "10 more keys"');
    expect(metadata.stdout).toContain('not shown are 10 object keys (in 1 object)');

    const select = await inFixture('--trigger', 'tick', '--select', 'getThings', '--cfg', '{"objectType": "leads"}');
    expect(select.exitCode).toBe(0);
    expect(select.stdout).toMatch(/"a": "Thing A",\s+"objectType": "leads"/);
  });

  it.each([
    ['an unknown trigger', ['--trigger', 'nope'], 'component.json has no trigger nope; triggers: tick, ghost'],
    ['a trigger whose module is not written yet', ['--trigger', 'ghost'], "component.json's trigger ghost points at ./lib/triggers/ghost.js, which does not exist: is ./lib/triggers/ghost.ts written, and built (npm run build)?"],
    ['an action without getMetaModel', ['--action', 'echo', '--metadata'], 'action echo exports no getMetaModel; it exports: process'],
    ['an unknown select model', ['--trigger', 'tick', '--select', 'getNothing'], 'trigger tick exports no getNothing; it exports: process, startup, shutdown, getMetaModel, getThings'],
    ['an action without hooks', ['--action', 'echo', '--startup'], 'action echo exports no startup; it exports: process'],
  ])('says clearly when %s is asked for', async (_label, args, message) => {
    const { stderr, stdout, exitCode } = await inFixture(...args);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(message);
    expect(stdout).not.toContain('Kommo sandbox at');
  });
});
