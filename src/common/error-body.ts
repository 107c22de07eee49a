import { STATUS_CODES } from 'node:http';
import { ERROR_STATUS, ErrorCode } from './app-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: ErrorCode;
}

export function errorBody(code: ErrorCode, message: string | string[]): ErrorBody {
  const statusCode = ERROR_STATUS[code];
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code };
}
