// The layers of simulator/, lowest first; a file may import from its own layer and the ones below,
// never from above, and nothing imports in a circle. tests/layers.test.ts runs these rules over
// simulator/ (and over a deliberately broken tree, to show they can fail).
//
//   core/                                  clock, paths, exit codes and CliError, did-you-mean, waiting, CSV
//   crypto/ store/ http/ config/ wire/     keys and JOSE; state and journal; the HTTP pipeline and
//                                          listeners; the provider-under-test config; wire vocabulary
//   ca/ reporting/ faults/ pfs/ dashboard/ provider/ testdata/     the roles of the real network
//   scenarios/                             engine, checks, the update-file model, the results model
//   rehearsal/ runs/ reports/              the window, kept runs and bundles, the evidence reports
//   server/ admin/ console/                the running simulator, its admin API and web console
//   cli/                                   one file per command
const LAYERS = [
  ['core'],
  ['crypto', 'store', 'http', 'config', 'wire'],
  ['ca', 'reporting', 'faults', 'pfs', 'dashboard', 'provider', 'testdata'],
  ['scenarios'],
  ['rehearsal', 'runs', 'reports', 'soak'],
  ['server', 'admin', 'console'],
  ['cli'],
];

const folders = (names) => `^simulator/(${names.join('|')})/`;
const above = (i) => folders(LAYERS.slice(i + 1).flat());

/** One rule per layer: nothing in it imports from a layer above it. */
const LAYER_RULES = [
  ['core-imports-nothing-of-cda-sim', 'core/ is the ground floor every other folder stands on; it stands on nothing of cda-sim'],
  ['foundations-stay-below-the-roles', 'crypto, store, http, config and wire serve every role, so none of them may know a role'],
  ['roles-stay-below-the-scenarios', 'the roles play their part on the wire; the scenarios that judge them sit on top, never inside'],
  ['scenarios-stay-below-the-runs', 'the engine and checks judge one scenario; running a window, keeping runs and reporting them come after'],
  ['runs-stay-below-the-servers', 'a rehearsal and its reports do not depend on the admin API or the web console that show them'],
  ['servers-stay-below-the-cli', 'the command line starts servers and runs; nothing below may reach back into a command'],
].map(([name, comment], i) => ({
  name,
  comment,
  severity: 'error',
  from: { path: folders(LAYERS[i]) },
  to: { path: above(i) },
}));

module.exports = {
  forbidden: [
    ...LAYER_RULES,
    {
      name: 'every-folder-has-a-layer',
      comment: 'a new folder under simulator/ must be placed in LAYERS above, or no layer rule would ever judge it',
      severity: 'error',
      from: { path: '^simulator/', pathNot: `${folders(LAYERS.flat())}|^simulator/[^/]+$` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'a cycle makes two files one room: neither can be read, tested or moved without the other',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'simulator-never-imports-tests',
      comment: 'tests/ and bench/ may use anything, but what ships must not need them',
      severity: 'error',
      from: { path: '^simulator/' },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'provider-talks-over-https-only',
      comment: 'the reference provider is a separate implementation: it reaches the C&A, PFS, dashboard and reporting service over HTTPS, never through their code',
      severity: 'error',
      from: { path: '^simulator/provider/' },
      to: { path: folders(['ca', 'reporting', 'faults', 'pfs', 'dashboard']) },
    },
    {
      name: 'cda-side-never-imports-the-provider',
      comment: "the provider under test is on the far side of the wire: cda-sim's own roles and checks cannot lean on the reference one's code",
      severity: 'error',
      from: { path: folders(['ca', 'reporting', 'faults', 'pfs', 'dashboard', 'testdata', 'scenarios']) },
      to: { path: '^simulator/provider/' },
    },
    {
      name: 'drivers-are-clients',
      comment: 'the PFS and the dashboard reach the C&A and the reporting service only over the wire, and share no code with each other',
      severity: 'error',
      from: { path: folders(['pfs', 'dashboard']) },
      to: { path: folders(['ca', 'reporting', 'pfs', 'dashboard']), pathNot: '^simulator/$1/' },
    },
    {
      name: 'ca-and-reporting-are-separate-services',
      comment: 'the C&A and the reporting service share only the fault registry; neither calls the drivers',
      severity: 'error',
      from: { path: folders(['ca', 'reporting']) },
      to: { path: folders(['ca', 'reporting', 'pfs', 'dashboard']), pathNot: '^simulator/$1/' },
    },
    {
      name: 'faults-know-no-role',
      comment: 'the one fault registry is consulted by the C&A, the reporting service and the PFS driver; it names their endpoints through wire/, not their code',
      severity: 'error',
      from: { path: '^simulator/faults/' },
      to: { path: folders(['ca', 'reporting', 'pfs', 'dashboard', 'testdata']) },
    },
    {
      name: 'test-data-is-data',
      comment: 'the test data pack is read by the drivers and the provider alike, so it depends on no role',
      severity: 'error',
      from: { path: '^simulator/testdata/' },
      to: { path: folders(LAYERS[2].filter((f) => f !== 'testdata')) },
    },
    {
      name: 'crypto-and-store-stand-on-core',
      comment: 'keys and durable state are the bottom of the building: they use core/ alone',
      severity: 'error',
      from: { path: folders(['crypto', 'store']) },
      to: { path: folders(['http', 'config', 'wire']) },
    },
    {
      name: 'wire-is-vocabulary',
      comment: 'wire/ holds the names and shapes both sides of an exchange agree on, and nothing that behaves',
      severity: 'error',
      from: { path: '^simulator/wire/' },
      to: { path: '^simulator/', pathNot: '^simulator/(wire|core)/' },
    },
    {
      name: 'reports-render-results',
      comment: "the reports render a run's results; they neither run a window nor keep runs",
      severity: 'error',
      from: { path: '^simulator/reports/' },
      to: { path: folders(['rehearsal', 'runs']) },
    },
    {
      name: 'console-is-mounted-not-mounting',
      comment: 'server/ wires the admin API, which mounts the console: none of them reaches back up that chain',
      severity: 'error',
      from: { path: folders(['console', 'admin']) },
      to: { path: '^simulator/server/' },
    },
    {
      name: 'console-does-not-know-admin',
      comment: 'the admin API mounts the console, so the console must not depend on it',
      severity: 'error',
      from: { path: '^simulator/console/' },
      to: { path: '^simulator/admin/' },
    },
    {
      name: 'imports-resolve',
      comment: 'a relative import that resolves to no file hides an edge from every rule here',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses the sources
    // (type-only imports included: a type imported from above is a dependency too).
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
