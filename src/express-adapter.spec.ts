import type { Express, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { AuthkitExpressAdapter } from './express-adapter';

// V8's own answer to "are this object's properties stored fast (not as a hash table)?"
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

describe('AuthkitExpressAdapter', () => {
  let server: Server;
  let app: Express;
  const seen: Array<{ request: boolean; response: boolean }> = [];

  beforeAll(async () => {
    const adapter = new AuthkitExpressAdapter();
    adapter.initHttpServer({});
    app = adapter.getInstance<Express>();
    server = adapter.getHttpServer() as Server;
    // Runs before Express sees the request: the objects must already be built on the app's prototypes.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ request: Object.getPrototypeOf(req) === app.request, response: Object.getPrototypeOf(res) === app.response });
    });
    app.get('/probe', (req: Request, res: Response) => {
      // What the middleware and guards add to a cookie-session request, named and keyed.
      const added = req as unknown as Record<string | symbol, unknown>;
      for (const name of ['sessionStore', 'sessionID', 'session', 'login', 'logIn', 'logout', 'logOut', 'isAuthenticated', 'user', 'cookieSession', 'auth']) {
        added[name] = name;
      }
      added[Symbol('keyed')] = true;
      // express-session and on-headers wrap these two on a cookie request.
      const { end, writeHead } = res;
      res.writeHead = function (this: Response, ...args: Parameters<Response['writeHead']>) {
        return writeHead.apply(this, args);
      } as Response['writeHead'];
      res.end = function (this: Response, ...args: Parameters<Response['end']>) {
        return end.apply(this, args);
      } as Response['end'];
      res.json({ sameApp: req.app === app && res.app === app, header: req.get('x-probe') ?? null, fast: hasFastProperties(req) && hasFastProperties(res) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('builds requests and responses on the app prototypes, with room for what the request path adds', async () => {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/probe`, { headers: { 'x-probe': 'yes' } });
    expect(res.status).toBe(200);
    // Not fast: every property access on the request is a hash-table look-up (10–20 % of a request).
    expect(await res.json()).toEqual({ sameApp: true, header: 'yes', fast: true });
    expect(seen).toEqual([{ request: true, response: true }]);
  });
});
