// `npm run tools [install|where] [--cluster]`: installs the pinned Temporal binaries and schemathesis, or prints where
// each one is found. `--cluster` also builds the production Temporal server and its schema tool (npm run start:cluster).
import { CLUSTER_BINARIES, clusterBinary, clusterBinaryTarget, installClusterTools, missingClusterBinaries } from './cluster-toolchain.ts';
import { CONTRACT_TESTER, installTools, locateContractTester, locateTool, TEMPORAL_TOOLCHAIN, type ToolName } from './toolchain.ts';

const command = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'install';
const cluster = process.argv.includes('--cluster');
if (command === 'install') {
  if (!installTools(process.cwd(), console.log, { contractTester: true })) process.exit(1);
  if (cluster && !(await installClusterTools())) process.exit(1);
}
if (command === 'install' || command === 'where') {
  for (const name of Object.keys(TEMPORAL_TOOLCHAIN) as ToolName[]) {
    const at = locateTool(name);
    console.log(`${TEMPORAL_TOOLCHAIN[name].bin}: ${at.source === 'cached-download' ? 'not installed (the SDK would download it)' : `${at.path} (${at.source})`}`);
  }
  console.log(`${CONTRACT_TESTER.bin}: ${locateContractTester() ?? 'not installed'}`);
  const missing = missingClusterBinaries();
  for (const name of CLUSTER_BINARIES) {
    console.log(`${clusterBinaryTarget(name)}: ${missing.includes(name) ? 'not built (npm run tools -- install --cluster)' : clusterBinary(name)}`);
  }
} else {
  console.error(`usage: npm run tools -- [install|where] [--cluster]`);
  process.exit(2);
}
