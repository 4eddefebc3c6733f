import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries } from '../../scripts/check-boundaries.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const trees: string[] = [];

/** Writes a throwaway source tree: `{ 'services/a/x.ts': "import ..." }`. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundary-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('module boundaries', () => {
  it('the real tree has no violations', () => {
    expect(checkBoundaries(repoRoot)).toEqual([]);
  });

  it('finds the one cross-service import in the fixture tree, naming the file and the import', () => {
    const violations = checkBoundaries(join(repoRoot, 'test/fixtures/boundary-violation'));
    expect(violations).toHaveLength(1);
    const [v] = violations;
    expect(v).toMatchObject({
      file: 'services/sales/domain/invoices.ts',
      specifier: '../../common/customers.js',
    });
    expect(v?.message).toContain('services/sales/domain/invoices.ts');
    expect(v?.message).toContain("'../../common/customers.js'");
    expect(v?.message).toContain("service 'sales' imports service 'common'");
  });

  it('sees every form of import: static, type-only, export-from, dynamic import() and require', () => {
    const root = tree({
      'services/a/one.ts': "import { x } from '../b/x.js';\n",
      'services/a/two.ts': "import type { X } from '../b/x.js';\n",
      'services/a/three.ts': "export { x } from '../b/x.js';\n",
      'services/a/four.ts': "export async function f() {\n  return import('../b/x.js');\n}\n",
      'services/a/five.ts': "import x = require('../b/x.js');\n",
      'services/b/x.ts': 'export const x = 1;\n',
    });
    const found = checkBoundaries(root).map((v) => `${v.file}:${v.line}`);
    expect(found.sort()).toEqual([
      'services/a/five.ts:1',
      'services/a/four.ts:2',
      'services/a/one.ts:1',
      'services/a/three.ts:1',
      'services/a/two.ts:1',
    ]);
  });

  it('lets a service import its own folder, platform/, contracts/, builtins and packages', () => {
    const root = tree({
      'services/a/routes/x.ts': [
        "import { y } from '../y.js';",
        "import { db } from '../../../platform/data/db.js';",
        "import { Ev } from '../../../contracts/a.js';",
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        "import { z } from 'zod';",
        "import fastify from 'fastify/lib/x.js';",
      ].join('\n'),
    });
    expect(checkBoundaries(root)).toEqual([]);
  });

  it('reads package imports (#platform, #contracts, #services) as the folders they name', () => {
    const root = tree({
      'services/a/x.ts': [
        "import { db } from '#platform/data/db.js';",
        "import { Ev } from '#contracts/a.js';",
        "import { y } from '#services/b/y.js';",
      ].join('\n'),
      'platform/p.ts': "import { Ev } from '#contracts/a.js';\n",
      'contracts/c.ts': "import { c } from '#platform/messaging/contract.js';\n",
    });
    expect(checkBoundaries(root).map((v) => `${v.file}:${v.line}`)).toEqual([
      'platform/p.ts:1',
      'services/a/x.ts:3',
    ]);
  });

  it('keeps a service out of other top-level folders and out of the project', () => {
    const root = tree({
      'services/a/x.ts':
        "import { main } from '../../bin/start.js';\nimport { y } from '../../../elsewhere/y.js';\n",
    });
    const messages = checkBoundaries(root).map((v) => v.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("service 'a' imports bin/start.js");
    expect(messages[1]).toContain('outside the project');
  });

  it('keeps platform/ domain-free: no services/, no contracts/', () => {
    const root = tree({
      'platform/http/x.ts': [
        "import { a } from '../../services/sales/a.js';",
        "import { b } from '../../contracts/sales.js';",
        "import { c } from '../data/db.js';",
        "import { d } from 'node:crypto';",
      ].join('\n'),
    });
    const found = checkBoundaries(root).map((v) => v.specifier);
    expect(found).toEqual(['../../services/sales/a.js', '../../contracts/sales.js']);
  });

  it('keeps tools/ (build-time tooling) out of services and platform; tools may use platform and contracts', () => {
    const root = tree({
      'services/a/x.ts': "import { gate } from '../../tools/contracts/gate.js';\n",
      'platform/messaging/y.ts': "import { gate } from '../../tools/contracts/gate.js';\n",
      'tools/contracts/gate.ts': [
        "import { c } from '#platform/messaging/contract.js';",
        "import { all } from '../../contracts/index.js';",
        "import { s } from './schema.js';",
        "import { readFileSync } from 'node:fs';",
        "import { y } from '../../services/a/y.js';",
      ].join('\n'),
    });
    const found = checkBoundaries(root).map((v) => `${v.file}:${v.line}`);
    expect(found.sort()).toEqual([
      'platform/messaging/y.ts:1',
      'services/a/x.ts:1',
      'tools/contracts/gate.ts:5',
    ]);
    expect(checkBoundaries(root).find((v) => v.file === 'services/a/x.ts')?.message).toContain(
      'tools/ is build-time tooling',
    );
  });

  it('keeps operations/ (the operator routes) out of services and platform; it may use platform and contracts', () => {
    const root = tree({
      'services/a/x.ts': "import { r } from '../../operations/dead-letter-routes.js';\n",
      'platform/host/y.ts': "import { r } from '../../operations/operator-routes.js';\n",
      'operations/dead-letter-routes.ts': [
        "import { store } from '#platform/messaging/dead-letter-store.js';",
        "import { PERMISSIONS } from '../contracts/permissions.js';",
        "import { q } from './saga-queries.js';",
        "import { z } from 'zod';",
        "import { y } from '../services/a/y.js';",
        "import { g } from '../tools/contracts/gate.js';",
      ].join('\n'),
    });
    const found = checkBoundaries(root).map((v) => `${v.file}:${v.line}`);
    expect(found.sort()).toEqual([
      'operations/dead-letter-routes.ts:5',
      'operations/dead-letter-routes.ts:6',
      'platform/host/y.ts:1',
      'services/a/x.ts:1',
    ]);
    expect(checkBoundaries(root).find((v) => v.file === 'platform/host/y.ts')?.message).toContain(
      'operatorRoutes',
    );
  });

  it('lets contracts/ import only contracts/, platform/messaging/ and packages', () => {
    const root = tree({
      'contracts/sales.ts': [
        "import { z } from 'zod';",
        "import { defineEvent } from '../platform/messaging/contract.js';",
        "import { money } from './money.js';",
        "import { Db } from '../platform/data/db.js';",
        "import { x } from '../services/sales/x.js';",
        "import { randomUUID } from 'node:crypto';",
      ].join('\n'),
    });
    const found = checkBoundaries(root).map((v) => v.specifier);
    expect(found).toEqual(['../platform/data/db.js', '../services/sales/x.js', 'node:crypto']);
  });
});
