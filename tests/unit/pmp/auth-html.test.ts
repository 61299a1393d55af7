/** Parsing login and token answers, and telling PMP's HTML pages apart. */
import { describe, expect, it } from 'vitest';
import { accessToken, loginToken } from '../../../collectors/pmp/auth.js';
import { HtmlPage, ThrottlePageError, parsePmpJson } from '../../../collectors/pmp/html.js';
import { SimAuth } from '../../../collectors/pmp/simulator/auth.js';
import { PayloadError, VendorAuthError } from '../../../warehouse/errors.js';

describe('on-premises login answers', () => {
  it('reads the token from the documented success shape', () => {
    const body = { message_type: 'authentication', message_response: { authentication: { auth_data: { auth_token: 'AB12CD34-0000-1111-2222-333344445555' } } }, message_version: '1.4', status: 'success' };
    expect(loginToken(body)).toBe('AB12CD34-0000-1111-2222-333344445555');
  });

  it('an error body with status 200 is an authentication failure', () => {
    expect(() => loginToken({ status: 'error', error_code: '10001', error_description: 'Invalid username or password' })).toThrow(VendorAuthError);
  });

  it('a 2FA account answers without a token and says why', () => {
    const body = { status: 'success', message_response: { authentication: { two_factor_data: { unique_userID: 1, is_TwoFactor_Enabled: true, OTP_Validation_Required: true } } } };
    expect(() => loginToken(body)).toThrow(/two-factor/u);
  });

  it('an HTML page is a payload error', () => {
    expect(() => loginToken(new HtmlPage('Login'))).toThrow(PayloadError);
  });
});

describe('Zoho token answers', () => {
  it('reads access_token and expires_in, ignoring api_domain', () => {
    expect(accessToken({ access_token: '1000.a.b', api_domain: 'https://www.zohoapis.com', token_type: 'Bearer', expires_in: 3600 })).toEqual({ token: '1000.a.b', expiresInMs: 3_600_000 });
  });

  it('an {error} body with status 200 is an authentication failure', () => {
    expect(() => accessToken({ error: 'invalid_code' })).toThrow(VendorAuthError);
  });
});

describe('HTML with status 200', () => {
  it('throws for a throttle page so the shared retry backs off', () => {
    expect(() => parsePmpJson('<html><title>Please wait</title>...</html>')).toThrow(ThrottlePageError);
  });

  it('returns an HtmlPage for any other page (unknown path or parameter), not retried', () => {
    const page = parsePmpJson('\n<!DOCTYPE html><html><head><title>ManageEngine Patch Manager Plus</title></head></html>');
    expect(page).toBeInstanceOf(HtmlPage);
    expect((page as HtmlPage).excerpt).toBe('ManageEngine Patch Manager Plus');
  });

  it('parses JSON and throws on a truncated body', () => {
    expect(parsePmpJson('{"status":"success"}')).toEqual({ status: 'success' });
    expect(() => parsePmpJson('{"status":"succ')).toThrow(SyntaxError);
  });
});

describe('simulator credentials', () => {
  it('accepts only canonical base64 passwords', () => {
    expect(SimAuth.decodePassword(Buffer.from('s3cret!').toString('base64'))).toBe('s3cret!');
    expect(SimAuth.decodePassword('pmp-simulator-password')).toBeNull();
    expect(SimAuth.decodePassword('')).toBeNull();
  });
});
