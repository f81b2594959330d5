/**
 * component.json entries of the write actions (docs/design.md "Actions (2.0)"): the fixed keys
 * and titles, select fields whose models the module exports (sailor looks them up only there),
 * `getMetaModel` where metadata is dynamic, and static choices equal to the code's tables.
 */
import fs from 'fs';
import path from 'path';
import { LINK_TARGETS } from '../../lib/entities/links';
import { NOTE_TYPE_NAMES } from '../../lib/entities/notes';

const root = path.join(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'component.json'), 'utf8'));

interface Field { viewClass: string; model?: string | Record<string, string>; required?: boolean; require?: string[] }
interface Action { title: string; main: string; dynamicMetadata?: boolean; fields: Record<string, Field>; metadata?: { in: string; out: string } }

const EXPECTED: Array<[string, string, string[]]> = [
  ['upsertObject', 'Upsert Object', ['objectType', 'upsertCriteria', 'mergeMultiValues']],
  ['createOrUpdateObjects', 'Create or Update Objects (batch)', ['objectType', 'batchSize']],
  ['createComplexLead', 'Create Lead with Contact and Company', []],
  ['addNote', 'Add Note', ['entityType', 'noteType']],
  ['linkObjects', 'Link Objects', ['fromType', 'toType']],
  ['unlinkObjects', 'Unlink Objects', ['fromType', 'toType']],
];

describe.each(EXPECTED)('%s', (key, title, fields) => {
  const action: Action = manifest.actions[key];

  it(`is "${title}" with the config fields ${fields.join(', ') || '(none)'}`, () => {
    expect(action).toMatchObject({ title, main: `./lib/actions/${key}.js` });
    expect(Object.keys(action.fields).sort()).toEqual([...fields].sort());
  });

  it('exports process, every select model its fields name, and getMetaModel when its metadata is dynamic', async () => {
    const loaded = await import(path.join(root, 'lib/actions', `${key}.ts`));
    expect(typeof loaded.process).toBe('function');
    for (const field of Object.values(action.fields)) {
      if (field.viewClass === 'SelectView' && typeof field.model === 'string') expect(typeof loaded[field.model]).toBe('function');
    }
    if (action.dynamicMetadata) expect(typeof loaded.getMetaModel).toBe('function');
    else expect(action.metadata).toBeDefined();
  });
});

describe('static choices follow the code', () => {
  it('noteType offers exactly the note types Add Note writes', () => {
    expect(Object.keys(manifest.actions.addNote.fields.noteType.model)).toEqual([...NOTE_TYPE_NAMES]);
  });

  it.each(['linkObjects', 'unlinkObjects'])('%s offers every type that links, and every target', (key) => {
    const fields = manifest.actions[key].fields;
    expect(Object.keys(fields.fromType.model)).toEqual(Object.keys(LINK_TARGETS));
    expect(new Set(Object.keys(fields.toType.model))).toEqual(new Set(Object.values(LINK_TARGETS).flat()));
  });

  it('the upsert criterion depends on the object type', () => {
    expect(manifest.actions.upsertObject.fields.upsertCriteria.require).toEqual(['objectType']);
  });
});
