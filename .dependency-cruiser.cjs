// The import rule of stowage (`npm run depcheck`, part of `npm test`): no
// circular imports between files, and layers that only point down. From the
// bottom up:
//
//   1. base        errdefs, digest, reference, oci, util, native, tar, fd
//                  (no state of their own: codecs, ids, the native addon, helpers)
//   2. metadata    all SQL: the schema and its migrations, one module per table group
//   3. stores      content, image, layer, container, volume, network, runtime, rootless
//                  (records and files of one kind each, and the host drivers under them)
//   4. engine      the services: images, containers, commit, cp, the Store handle
//                  (engine/store.ts, the one handle every service and front end shares)
//   5. services    archive (save, load), registry (pull, push), builder (the Dockerfile
//                  builder), explain, lesson: built on engine's services
//   6. front ends  cli, api (Engine API), cri (Kubernetes CRI)
//
// A module may import its own layer and those below it. Shared contracts of the
// front ends sit below them: Progress in util/progress, attaching's AttachIO in
// util/attach-io, errors in errdefs, the Store handle in engine/store. Front ends
// never reach SQL (metadata/), and the cli and the Engine API never reach the
// runtime (runtime/) but through engine's services. The front ends do not import
// each other, except the two cli commands that start the other servers
// (`system service`, `system cri`).
const BASE = '^src/(errdefs|digest|reference|oci|util|native|tar|fd)/';
const METADATA = '^src/metadata/';
const STORES = '^src/(content|image|layer|container|volume|network|runtime|rootless)/';
const ENGINE = '^src/engine/';
const SERVICES = '^src/(archive|registry|builder|explain|lesson)/';
const FRONT_ENDS = '^src/(cli|api|cri)/';

/** A rule: modules matching `from` import none matching any of `above`. */
const below = (name, from, above, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from },
  to: { path: above },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files import each other in a circle: split out what both need, or pass an interface down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    below(
      'base-imports-only-base',
      BASE,
      [METADATA, STORES, ENGINE, SERVICES, FRONT_ENDS],
      'base modules import only base modules',
    ),
    below(
      'metadata-imports-only-base',
      METADATA,
      [STORES, ENGINE, SERVICES, FRONT_ENDS],
      'metadata/ is below every store',
    ),
    below('stores-import-no-services', STORES, [ENGINE, SERVICES, FRONT_ENDS], 'stores are below the services'),
    below(
      'engine-imports-no-upper-services',
      ENGINE,
      [SERVICES, FRONT_ENDS],
      'engine/ is below archive, registry, build, explain, lesson',
    ),
    below('services-import-no-front-ends', SERVICES, [FRONT_ENDS], 'services are below the front ends'),
    {
      name: 'front-ends-use-no-sql',
      comment:
        "front ends call services and stores, never SQL; cri/store.ts is the CRI's own store (its pods and containers)",
      severity: 'error',
      from: { path: FRONT_ENDS, pathNot: '^src/cri/store\\.ts$' },
      to: { path: METADATA },
    },
    {
      name: 'cli-and-api-use-no-runtime',
      comment:
        "cli and api drive containers through engine/'s services, never runtime/, not even its types (shared contracts such as AttachIO sit in util/); cri is a runtime service of its own",
      severity: 'error',
      from: { path: '^src/(cli|api)/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'front-ends-apart',
      comment:
        'cli, api and cri do not import each other (cli starts the other two in `system service` and `system cri`)',
      severity: 'error',
      from: { path: '^src/(cli|api|cri)/', pathNot: '^src/cli/commands/system/(service|cri)\\.ts$' },
      to: { path: '^src/(cli|api|cri)/', pathNot: '^src/$1/' },
    },
    {
      name: 'every-module-in-a-layer',
      comment: 'a new folder of src/ goes into one of the layers above (edit the lists at the top)',
      severity: 'error',
      from: { path: '^src/', pathNot: [BASE, METADATA, STORES, ENGINE, SERVICES, FRONT_ENDS] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // type-only imports count: a layer that names an upper layer's types depends on it
    tsPreCompilationDeps: true,
    // the native addon's loader and the lazily required modules are plain require()s
    exoticRequireStrings: [],
  },
};
