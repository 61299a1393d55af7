/**
 * PMP answers some requests with an HTML page and HTTP 200 (§3.4, §3.11): a "please wait" page when
 * throttled, and an error page for an unknown path or query parameter. The JSON parser given to got
 * tells them apart: a throttle page throws, so the shared retry policy backs off and tries again; any
 * other page becomes an HtmlPage value that the client turns into a PayloadError without retrying
 * (asking again for an unknown parameter cannot help).
 */

export class HtmlPage {
  constructor(readonly excerpt: string) {}
}

/** Thrown for a throttle page; got wraps it in a ParseError, which the shared base retries. */
export class ThrottlePageError extends Error {
  constructor(readonly excerpt: string) {
    super(`throttled: the server answered with an HTML "please wait" page (${excerpt})`);
    this.name = 'ThrottlePageError';
  }
}

const THROTTLE = /please\s+wait|too\s+many\s+requests|throttl|rate\s+limit/iu;

export function looksLikeHtml(text: string): boolean {
  return /^\s*</u.test(text);
}

export function isThrottlePage(text: string): boolean {
  return looksLikeHtml(text) && THROTTLE.test(text);
}

/** A short, tag-free excerpt of an HTML page for error messages. */
export function htmlExcerpt(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/iu.exec(text)?.[1];
  const plain = (title ?? text.replace(/<[^>]*>/gu, ' ')).replace(/\s+/gu, ' ').trim();
  return plain.length > 120 ? `${plain.slice(0, 117)}...` : plain;
}

/** got's parseJson for every PMP call. */
export function parsePmpJson(text: string): unknown {
  if (looksLikeHtml(text)) {
    if (isThrottlePage(text)) throw new ThrottlePageError(htmlExcerpt(text));
    return new HtmlPage(htmlExcerpt(text));
  }
  return JSON.parse(text);
}
