import { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { InFlightRequests } from './common/in-flight-requests';

/**
 * Express gives every request and response the app's own prototypes (`app.request`,
 * `app.response`) with Object.setPrototypeOf as they come in. V8 then gives each object a map of
 * its own, so every property added to it afterwards (express-session, passport and Nest add a
 * dozen per request) costs microseconds instead of nanoseconds. Node lets a server build its
 * requests and responses from classes of our choosing; ours become the app's prototypes, so
 * Express's setPrototypeOf has nothing left to change.
 *
 * Classes, not plain functions that call IncomingMessage: V8 sizes a class instance for the
 * fields of its whole constructor chain, so Node's two dozen fields and the ones the request path
 * adds fit in the object. Built by a plain function, the request had too little room, and the
 * router's first symbol-keyed write turned its properties into a hash table: every property
 * access of every request, in Express, Nest and our guards, became a look-up (10–20 % of a
 * request, measured; `express-adapter.spec.ts` checks the shape).
 */
export class AuthkitExpressAdapter extends ExpressAdapter {
  /** The requests being handled, for a graceful shutdown (counted on the server built here only). */
  readonly inFlight = new InFlightRequests();

  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<Express>();
    this.httpServer = createServer({ IncomingMessage: requestClass(app), ServerResponse: responseClass(app, this.inFlight) }, app);
  }
}

function requestClass(app: Express): typeof IncomingMessage {
  class AppRequest extends IncomingMessage {
    // What Express, express-session, passport and our guards add to a request, declared up front
    // (as nothing: each sets it as before), so that requests of every kind share one shape and
    // the code that all of them run through (router, Nest, guards) sees one map, not several.
    body = undefined;
    route = undefined;
    _parsedOriginalUrl = undefined;
    sessionStore = undefined;
    sessionID = undefined;
    session = undefined;
    cookieSession = undefined;
    _sessionManager = undefined;
    login = undefined;
    logIn = undefined;
    logout = undefined;
    logOut = undefined;
    isAuthenticated = undefined;
    isUnauthenticated = undefined;
    user = undefined;
    auth = undefined;
  }
  adopt(app, 'request', AppRequest.prototype);
  return AppRequest;
}

function responseClass(app: Express, inFlight: InFlightRequests): typeof ServerResponse {
  class AppResponse extends ServerResponse {
    private endCounted = false;

    constructor(...args: ConstructorParameters<typeof ServerResponse>) {
      super(...args);
      inFlight.started();
      // express-session and on-headers replace these two on a cookie request: as own properties
      // from the start, that is a plain write, and every response keeps one shape.
      this.writeHead = this.writeHead; // eslint-disable-line no-self-assign
      this.end = this.end; // eslint-disable-line no-self-assign
    }

    // Wrapped by express-session when it has a session to save first: counted once it has.
    override end(...args: unknown[]): this {
      if (!this.endCounted) {
        this.endCounted = true;
        // During a shutdown a keep-alive client would otherwise send its next request on the
        // same connection, and be served, for as long as it keeps asking.
        if (inFlight.draining && !this.headersSent) this.setHeader('Connection', 'close');
        inFlight.ended();
      }
      return (super.end as (...endArgs: unknown[]) => this).apply(this, args);
    }
  }
  adopt(app, 'response', AppResponse.prototype);
  return AppResponse as typeof ServerResponse;
}

/** Makes `prototype` the app's `app.request` (or `app.response`): same parent, same `app` property. */
function adopt(app: Express, name: 'request' | 'response', prototype: object): void {
  const current = app[name] as object;
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(current));
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(current));
  (app as unknown as Record<string, object>)[name] = prototype;
}
