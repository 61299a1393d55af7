/**
 * Which errors mean "the database went away" (exit 8): the socket errnos as real sockets raise them,
 * postgres.js's connection codes, the server's SQLSTATEs for ended or refused sessions, anywhere in a
 * cause chain; and which do not: a vendor's HTTP failure with the same errno, an error already
 * classified, an ordinary SQL error.
 */
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RequestError } from 'got';
import { describe, expect, it } from 'vitest';
import { asDatabaseError, connectionLoss } from '../../warehouse/db.js';
import { DatabaseUnavailableError, LockHeldError } from '../../warehouse/errors.js';

/** A listening socket whose accepted connections are handled by `onConnection`; resolves its port. */
async function server(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const s = net.createServer(onConnection);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

function socketError(connect: (socket: net.Socket) => void, port: number): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', resolve);
    connect(socket);
  });
}

describe('connection loss', () => {
  it('ECONNREFUSED, ECONNRESET and EPIPE from real sockets are the database going away', async () => {
    const closed = await server(() => {});
    closed.close();
    const refused = await socketError(() => {}, closed.port);
    expect(refused.code).toBe('ECONNREFUSED');

    const resetting = await server((s) => s.resetAndDestroy());
    const reset = await socketError(() => {}, resetting.port);
    expect(reset.code).toBe('ECONNRESET');

    resetting.close();
    // EPIPE: a write to a peer that has gone, on a Unix socket (as PostgreSQL's own socket would be).
    const socketPath = path.join(tmpdir(), `epipe-${process.pid}.sock`);
    const vanishing = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => vanishing.listen(socketPath, resolve));
    const epipe = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = net.connect(socketPath);
      socket.once('error', resolve);
      socket.once('connect', () => socket.pause()); // not reading: the write is what finds the peer gone
      setTimeout(() => { for (let i = 0; i < 5; i += 1) socket.write('x'); }, 200);
    });
    vanishing.close();
    expect(epipe.code).toBe('EPIPE');

    for (const error of [refused, reset, epipe]) {
      const classified = asDatabaseError(error);
      expect(classified).toBeInstanceOf(DatabaseUnavailableError);
      expect((classified as Error).message).toMatch(/^database unavailable: .+ \(.+\)$/u);
    }
  });

  it.each(['EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08006', '3D000', '28P01'])(
    '%s is the database going away, also as the cause of another error', (code) => {
      const error = Object.assign(new Error(`failed with ${code}`), { code });
      expect(connectionLoss(error)).toBe(error);
      expect(connectionLoss(new Error('publish failed', { cause: new Error('copy failed', { cause: error }) }))).toBe(error);
      expect(connectionLoss(new AggregateError([new Error('other'), error]))).toBe(error);
      expect(asDatabaseError(new Error('outer', { cause: error }))).toBeInstanceOf(DatabaseUnavailableError);
    });

  it('postgres.js writing to a connection that has just closed (its TypeError from connection.js) is a loss', () => {
    const error = new TypeError("Cannot read properties of null (reading 'write')");
    error.stack = `TypeError: ${error.message}\n    at write (/app/node_modules/postgres/src/connection.js:264:12)`;
    expect(connectionLoss(error)).toBe(error);
    // Our own bad parameter failing in postgres.js's serializer (called from connection.js) is a bug, not a loss.
    const serializer = new TypeError('Do not know how to serialize a BigInt');
    serializer.stack = `TypeError: ${serializer.message}\n    at JSON.stringify (<anonymous>)\n    at build (/app/node_modules/postgres/src/connection.js:228:20)`;
    expect(connectionLoss(serializer)).toBeUndefined();
  });

  it('a vendor API refusing, an already classified failure and an SQL error are not', () => {
    const vendor = new RequestError('connect ECONNREFUSED 10.0.0.1:443', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), {} as never);
    expect(vendor.code).toBe('ECONNREFUSED');
    expect(connectionLoss(vendor)).toBeUndefined();
    expect(connectionLoss(new Error('collect failed', { cause: vendor }))).toBeUndefined();
    const locked = new LockHeldError('ninjaone (default)');
    expect(asDatabaseError(locked)).toBe(locked);
    const sqlError = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(asDatabaseError(sqlError)).toBe(sqlError);
    expect(connectionLoss(new TypeError('x is not a function'))).toBeUndefined();
  });
});
