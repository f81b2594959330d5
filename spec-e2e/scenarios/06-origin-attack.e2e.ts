/**
 * Scenario 6: a mapped `url` must never carry the bearer token to another origin. "Evil" hosts
 * are real local servers, so a leak would be a request they record.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';
import { Rig } from '../harness/rig';

interface EvilHost {
  server: Server;
  origin: string;
  received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }>;
}

async function startEvilHost(host: string): Promise<EvilHost> {
  const received: EvilHost['received'] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"stolen":true}');
  });
  await new Promise<void>((done) => server.listen(0, host, done));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `${host}:${port}`, received };
}

describe('Make Raw Request with a url that points elsewhere', () => {
  let rig: Rig;
  let otherIp: EvilHost;
  let otherPort: EvilHost;

  beforeAll(async () => {
    // 127.0.0.2 is another loopback address: a different host. Same IP, another port: a different origin.
    otherIp = await startEvilHost('127.0.0.2');
    otherPort = await startEvilHost('127.0.0.1');
    rig = await Rig.start({ scenario: 'origin', config: ({ secretId }) => ({ secretId }) });
    // Control: both hosts are reachable, so "received nothing" below means nothing was sent.
    for (const evil of [otherIp, otherPort]) {
      expect((await fetch(`http://${evil.origin}/probe`)).status).toBe(200);
      evil.received.length = 0;
    }
  });
  afterAll(async () => {
    await rig?.close();
    for (const evil of [otherIp, otherPort]) await new Promise((done) => evil?.server.close(done));
  });

  it('rejects every origin-changing url before sending anything: error messages, nothing received off the Base URL', async () => {
    const attacks = [
      'https://evil.example/api/v4/leads',
      `http://${otherIp.origin}/api/v4/leads`,
      `http://${otherPort.origin}/api/v4/leads`,
      `//${otherIp.origin}/x`,
      `\\\\${otherIp.origin}/x`,
      `/\\${otherIp.origin}/x`,
      `http://user@${otherIp.origin}/api/v4/leads`,
      `${rig.kommo.baseUrl}@${otherIp.origin}/api/v4/leads`,
      'file:///etc/passwd',
    ];
    const inputs = attacks.map((url) => rig.send({ url, method: 'GET' }));
    await rig.outcomes(inputs);
    await rig.rejected(inputs);
    const settled = await rig.settle();

    inputs.forEach((input, i) => {
      const { data, errors } = rig.bus.outputsOf(input);
      expect({ url: attacks[i], data: data.length, errors: errors.map((e) => e.error.name) }).toEqual({
        url: attacks[i],
        data: 0,
        errors: ['KommoConfigError'],
      });
      expect(errors[0].error.message).not.toContain(rig.kommo.accessToken);
    });
    expect(otherIp.received).toEqual([]);
    expect(otherPort.received).toEqual([]);
    // Rejected before any request: the Kommo side saw nothing either.
    expect(rig.kommo.requestLog).toEqual([]);

    expect(settled.exit.code).toBe(0);
    expect(settled.leftInInput).toBe(0);
  });
});
