import packageJson from '../package.json' with { type: 'json' };

/** This package's version, for `dispatch --version`. */
export const VERSION: string = packageJson.version;
