import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputPath, openOutputStream, writeOutput } from '../../src/io/outputPath.js';
import { tempDir } from '../helpers.js';

const check = (path: string, force = false) => checkOutputPath(path, { flag: '--out', force });

test('output targets: stdout, devices, files; refusals name the flag and the reason', () => {
  const dir = tempDir();
  assert.equal(check('-').kind, 'stdout');
  assert.equal(check('/dev/stdout').kind, 'stdout');
  assert.equal(check('/dev/null').kind, 'device');
  assert.throws(() => checkOutputPath('-', { flag: '--out', force: false, allowStdout: false }), /--out -: this output cannot go to standard output/);
  assert.deepEqual(check(join(dir, 'new.csv')), { kind: 'file', path: join(dir, 'new.csv'), shown: join(dir, 'new.csv') });
  assert.throws(() => check(dir), /--out .* is a directory; name a file to write/);
  assert.throws(() => check(join(dir, 'a/b/c.csv')), /the folder .*a\/b does not exist; create it first/);
  writeFileSync(join(dir, 'old.csv'), 'x');
  assert.throws(() => check(join(dir, 'old.csv')), /old\.csv already exists; add --force to replace it/);
  assert.equal(check(join(dir, 'old.csv'), true).kind, 'file');
  writeFileSync(join(dir, 'plain'), 'x');
  assert.throws(() => check(join(dir, 'plain', 'x.csv')), /plain is not a folder/);
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  assert.throws(() => check(join(dir, 'dangling')), /is a symbolic link to a file that does not exist/);
});

test('through a symbolic link the file it points to is replaced, and the link stays', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'real.json'), 'old');
  symlinkSync(join(dir, 'real.json'), join(dir, 'link.json'));
  writeOutput(check(join(dir, 'link.json'), true), 'new');
  assert.ok(lstatSync(join(dir, 'link.json')).isSymbolicLink());
  assert.equal(readFileSync(join(dir, 'real.json'), 'utf8'), 'new');
});

test('a streamed output appears only on commit; abort leaves nothing', async () => {
  const dir = tempDir();
  const target = check(join(dir, 'p.csv'));
  const kept = openOutputStream(target);
  kept.stream.write('a,b\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f === 'p.csv'), []);
  await kept.commit();
  assert.equal(readFileSync(join(dir, 'p.csv'), 'utf8'), 'a,b\n');
  const dropped = openOutputStream(check(join(dir, 'q.csv')));
  dropped.stream.write('x\n');
  dropped.abort();
  assert.deepEqual(readdirSync(dir), ['p.csv']);
});
