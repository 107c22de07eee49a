import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:*`), built from the app's own options.
 * A generated migration must be added to MIGRATIONS in src/database/data-source-options.ts.
 */
export default new DataSource(dataSourceOptions(loadConfig()));
