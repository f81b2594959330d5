/**
 * `npm start`: the demo and the one-action mode run the built handlers against the embedded
 * sandbox and print what the component emitted. Spawned as a person would run it.
 */
import { execFile } from 'child_process';
import path from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

async function start(...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  try {
    const { stdout } = await run(tsx, ['tools/run.ts', ...args], { cwd: root, env: { ...process.env, KOMMO_BASE_URL: '', KOMMO_ACCESS_TOKEN: '' } });
    return { stdout, exitCode: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; code?: number };
    return { stdout: failed.stdout ?? '', exitCode: failed.code ?? -1 };
  }
}

describe('npm start', () => {
  it('runs the demo: verify, account, create, list, 404 both ways, origin attack', async () => {
    const { stdout, exitCode } = await start();
    expect(exitCode).toBe(0);
    const steps = stdout.split(/\n(?=\d+\. )/);
    expect(steps).toHaveLength(9);
    expect(steps[1]).toContain('{"verified": true}');
    expect(steps[2]).toMatch(/"verified": false, "reason": ".*Reconnect the credential/);
    expect(steps[3]).toContain('→ data message: statusCode 200');
    expect(steps[4]).toMatch(/POST \/api\/v4\/leads -> 200[\s\S]*"request_id": "demo-1"/);
    expect(steps[5]).toContain('Demo deal from npm start');
    expect(steps[6]).toContain('→ error message');
    expect(steps[6]).toContain('KommoNotFoundError');
    expect(steps[6]).toContain('Enable "Don\'t throw error on 404 Response" to receive 404 as data.');
    expect(steps[7]).toContain('→ data message: statusCode 404');
    expect(steps[8]).toContain('KommoConfigError');
    expect(stdout).toMatch(/the platform received 1 secret call\(s\) for 6 messages/);
  }, 30000);

  it('runs one action from flags and exits non-zero when the component emitted an error', async () => {
    const ok = await start('--action', 'makeRawRequest', '--body', '{"url":"leads?limit=1","method":"GET"}');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('→ data message: statusCode 200');
    const failed = await start('--action', 'makeRawRequest', '--body', '{"url":"leads","method":"TRACE"}');
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('Method must be one of GET, POST, PUT, PATCH, DELETE');
  }, 30000);
});
