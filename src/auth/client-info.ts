import type { Request } from 'express';
import { ClientInfo } from '../sessions/sessions.service';

/** The client's IP (per TRUST_PROXY) and user agent, as recorded on sessions. */
export function clientInfo(req: Request, deviceName?: string): ClientInfo {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, deviceName: deviceName ?? null };
}
