import { defineConfig } from 'drizzle-kit';

// Only generates SQL from the schema files; it never connects. Production applies migrations with
// `warehouse migrate` (warehouse/migrate.ts), never `drizzle-kit push`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './warehouse/schema/index.ts',
  out: './warehouse/migrations',
  casing: 'snake_case',
  migrations: { schema: 'drizzle', table: 'migrations' },
  strict: true,
  verbose: true,
});
