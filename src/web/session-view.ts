import { Session } from '../sessions/session.entity';

/** A session as the account page shows it. */
export interface SessionView {
  id: string;
  device: string;
  kind: string;
  ip: string;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export function toSessionView(session: Session, currentId: string): SessionView {
  return {
    id: session.id,
    device: session.deviceName ?? describeUserAgent(session.userAgent),
    kind: session.kind === 'cookie' ? (session.persistent ? 'Browser (remembered)' : 'Browser') : 'App (token)',
    ip: session.ip ?? 'unknown',
    createdAt: formatTime(session.createdAt),
    lastSeenAt: formatTime(session.lastSeenAt),
    current: session.id === currentId,
  };
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A short, human name for a user agent ("Chrome on Linux"), or the raw string cut short. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : undefined;
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
}
