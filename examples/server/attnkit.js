// The one place the server loads attnkit from: the build in this repository (`npm run build` first).
// A project that installed the package writes `export * from 'attnkit';` here instead.
export * from '../../dist/index.mjs';
