/**
 * The component.json entries of Lookup Object and Lookup Objects: the fixed keys of
 * docs/design.md "Actions (2.0)", and every select model a field names exported by the built
 * module (sailor looks models up only there, docs/elasticio-triggers.md §3). Run after
 * `npm run build`.
 */
import fs from 'fs';
import path from 'path';
import { EMIT_BEHAVIORS } from '../../lib/actions/lookupObjects';

const root = path.join(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'component.json'), 'utf8'));

describe.each([
  ['lookupObject', 'Lookup Object (at most one)', ['objectType', 'lookupCriteria', 'linkedObjects', 'allowCriteriaToBeOmitted', 'allowZeroResults', 'waitForObjectToExist']],
  ['lookupObjects', 'Lookup Objects', ['objectType', 'emitBehavior', 'linkedObjects']],
])('%s', (key, title, fields) => {
  const action = manifest.actions[key];

  it('has its fixed title, fields and dynamic metadata', () => {
    expect(action).toMatchObject({ title, main: `./lib/actions/${key}.js`, dynamicMetadata: true });
    expect(Object.keys(action.fields)).toEqual(fields);
    expect(action.metadata).toBeUndefined();
    expect(action.fields.objectType).toMatchObject({ viewClass: 'SelectView', model: 'getObjectTypes', required: true });
    expect(action.fields.linkedObjects).toMatchObject({ viewClass: 'MultiSelectView', model: 'getLinkedObjects', require: ['objectType'] });
  });

  it('the built module exports process, getMetaModel and every select model its fields name', async () => {
    const loaded = await import(path.join(root, action.main));
    const models = Object.values(action.fields as Record<string, { model?: unknown }>)
      .map((field) => field.model)
      .filter((model): model is string => typeof model === 'string');
    for (const name of ['process', 'getMetaModel', ...models]) expect([name, typeof loaded[name]]).toEqual([name, 'function']);
  });
});

it('Lookup Objects offers exactly the emit behaviours the action accepts', () => {
  expect(Object.keys(manifest.actions.lookupObjects.fields.emitBehavior.model)).toEqual([...EMIT_BEHAVIORS]);
});

it('Lookup Object picks its criterion with getLookupCriteria, once the object type is chosen', () => {
  expect(manifest.actions.lookupObject.fields.lookupCriteria).toMatchObject({ viewClass: 'SelectView', model: 'getLookupCriteria', require: ['objectType'], required: true });
});
