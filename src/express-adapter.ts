import { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Express gives every request and response the app's own prototypes (`app.request`,
 * `app.response`) with Object.setPrototypeOf as they come in. V8 then gives each object a map of
 * its own, so every property added to it afterwards (express-session, passport and Nest add a
 * dozen per request) costs microseconds instead of nanoseconds: measured here at about 3 µs per
 * property, a tenth of a cookie-session request. Node lets a server build its requests and
 * responses from constructors of our choosing: built on the app's prototypes from the start,
 * Express's setPrototypeOf has nothing left to change, and V8 shares one map for all of them.
 */
export class AuthkitExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<Express>();
    this.httpServer = createServer({ IncomingMessage: requestConstructor(app), ServerResponse: responseConstructor(app) }, app);
  }
}

function requestConstructor(app: Express): typeof IncomingMessage {
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  AppRequest.prototype = app.request;
  return AppRequest as unknown as typeof IncomingMessage;
}

function responseConstructor(app: Express): typeof ServerResponse {
  function AppResponse(this: ServerResponse, req: IncomingMessage, options?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, options);
  }
  AppResponse.prototype = app.response;
  return AppResponse as unknown as typeof ServerResponse;
}
