/**
 * PMP response shapes: the legacy envelope, error bodies (usually with HTTP 200), and the two HTML
 * pages the reference describes (an unknown path or parameter, and the throttle "please wait" page).
 * Error codes other than 10022 (seen live) are the simulator's own [G].
 */
import { jsonResponse, type SimResponse } from '../../simulation/server.js';

export const ERROR_CODES = {
  notSupported: '10022',
  badCredentials: '10001',
  badToken: '10002',
  scope: 'OAUTH_SCOPE_MISMATCH',
} as const;

export function envelope(messageType: string, response: Record<string, unknown>): SimResponse {
  return jsonResponse(200, { message_type: messageType, message_response: response, message_version: '1.4', status: 'success' });
}

export function errorBody(httpStatus: number, errorCode: string, description: string, messageType?: string): SimResponse {
  const body: Record<string, unknown> = messageType ? { message_type: messageType } : {};
  return jsonResponse(httpStatus, { ...body, status: 'error', error_code: errorCode, error_description: description });
}

function html(title: string, text: string): SimResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/html;charset=UTF-8' },
    body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><div class="error"><h2>${title}</h2><p>${text}</p></div></body></html>`,
  };
}

/** What PMP serves for a path or query parameter it does not know: an HTML page with status 200. */
export function unknownPage(what: string): SimResponse {
  return html('ManageEngine Patch Manager Plus', `The requested resource is not available (${what}).`);
}

/** The throttle page (P2 observed it as an HTML "please wait" page with status 200). */
export function throttlePage(): SimResponse {
  return html('Please wait', 'Too many requests have been received from your account. Please wait a moment and try again.');
}
