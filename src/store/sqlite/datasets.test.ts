/** The DatasetStore part of the store contract alone, for `node scripts/test.js datasets`. */
import { describe } from 'node:test';
import { datasetContract } from '../contract/datasets-contract.ts';
import { createSqliteStore } from './sqlite-store.ts';

describe('sqlite DatasetStore', () => {
  datasetContract(() => createSqliteStore(':memory:'));
});
