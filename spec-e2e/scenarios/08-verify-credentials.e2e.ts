/**
 * Scenario 8: the "Verify" button, as the platform runs it: `runService.js verifyCredentials`
 * with the credential in ELASTICIO_CFG and the verdict POSTed back.
 *
 * Sailor answers `{verified: true}` for ANY credential when verifyCredentials.js is missing or
 * fails to load (docs/elasticio-platform.md §2.2). So the rejected-token case is also the proof that
 * the built file exists and is what ran: only our code can say `verified: false` here.
 */
import { randomUUID } from 'crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { startSandbox, type Sandbox } from '../../sandbox';
import type { StepIdentity } from '../harness/bus';
import { startStepPlatform, type StepPlatform } from '../harness/platform';
import { runService } from '../harness/runService';
import { COMPONENT_ROOT } from '../harness/sailorProcess';

describe('verifyCredentials in sailor’s service runner', () => {
  let kommo: Sandbox;
  let platform: StepPlatform;
  const identity: StepIdentity = { flowId: `flow-${randomUUID()}`, stepId: 'step_1', execId: randomUUID(), userId: 'user-e2e', workspaceId: '' };

  beforeAll(async () => {
    kommo = await startSandbox();
    platform = await startStepPlatform(kommo, identity);
    identity.workspaceId = platform.fake.workspaceId;
  });
  afterAll(async () => {
    await platform?.close();
    await kommo?.close();
  });

  it('is the built verifyCredentials.js at the component root that sailor loads', () => {
    expect(existsSync(resolve(COMPONENT_ROOT, 'verifyCredentials.js'))).toBe(true);
  });

  it('control: a component root without verifyCredentials.js "verifies" even a rejected token', async () => {
    // Same component.json, same bad token, no built file: this is what a forgotten build ships.
    const bare = mkdtempSync(join(tmpdir(), 'kommo-e2e-bare-component-'));
    try {
      copyFileSync(resolve(COMPONENT_ROOT, 'component.json'), join(bare, 'component.json'));
      const run = await runService('verifyCredentials', { oauth: { access_token: 'revoked-or-never-issued' }, baseUrl: kommo.baseUrl }, platform, identity, bare);
      expect(run.posted).toEqual([{ status: 'success', data: { verified: true } }]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('reports a working token as verified', async () => {
    const run = await runService('verifyCredentials', { oauth: { access_token: kommo.accessToken }, baseUrl: kommo.baseUrl }, platform, identity);

    expect(run.exit.code).toBe(0);
    expect(run.posted).toEqual([{ status: 'success', data: { verified: true } }]);
    expect(kommo.requestLog.filter((entry) => entry.path === '/api/v4/account').map((entry) => entry.status)).toEqual([200]);
  });

  it('reports a rejected token as not verified, saying to reconnect (which proves our file ran: the fallback says verified)', async () => {
    kommo.requestLog.length = 0;
    const run = await runService('verifyCredentials', { oauth: { access_token: 'revoked-or-never-issued' }, baseUrl: kommo.baseUrl }, platform, identity);

    expect(run.exit.code).toBe(0);
    expect(run.posted).toHaveLength(1);
    expect(run.posted[0]).toEqual({ status: 'success', data: { verified: false, reason: expect.stringMatching(/token/i) } });
    expect(JSON.stringify(run.posted[0])).toMatch(/reconnect/i);
    // One attempt: a rejected token is final on the cfg.oauth path.
    expect(kommo.requestLog.map((entry) => [entry.path, entry.authorization])).toEqual([['/api/v4/account', 'invalid']]);
    // The token never appears in what the platform is told or in the logs.
    expect(JSON.stringify(run.posted)).not.toContain('revoked-or-never-issued');
    expect(run.output).not.toContain('revoked-or-never-issued');
  });
});
