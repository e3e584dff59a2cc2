import { readFileSync } from 'node:fs';
import { getLocation, visit } from 'jsonc-parser';
import { ConfigError } from '../util/errors.js';

// JSON.parse keeps the last of two equal keys, so a config holding
// "width": 36 … "width": 72 trains the second without a word; a hand-edited
// file with a pasted block does that easily. jsonc-parser's visitor sees every
// key with its offset, which is all this needs (values still come from JSON.parse).

/** A JSON file parsed by parseJsonNoDuplicates; `what` ("config", "manifest", "sweep file") names it in errors. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  return parseJsonNoDuplicates(text, `${what} ${path}`);
}

/** JSON.parse, but a key given twice in one object is an error naming it, its line and column. */
export function parseJsonNoDuplicates(text: string, source: string): unknown {
  const stack: Set<string>[] = [];
  const duplicates: string[] = [];
  visit(text, {
    onObjectBegin: () => {
      stack.push(new Set());
    },
    onObjectEnd: () => {
      stack.pop();
    },
    onObjectProperty: (key, offset, _length, startLine, startCharacter) => {
      const keys = stack[stack.length - 1];
      if (keys === undefined) return;
      if (keys.has(key)) {
        const path = getLocation(text, offset).path.slice(0, -1).map(String);
        duplicates.push(`key '${[...path, key].join('.')}' is given twice (the second time at line ${startLine + 1}, column ${startCharacter + 1})`);
      }
      keys.add(key);
    },
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (duplicates.length > 0) throw new ConfigError(`${source}: ${duplicates.join('; ')}; JSON keeps only the last, so give each key once`);
  return value;
}
