// `npm run tools [install|where]`: installs the pinned Temporal binaries and schemathesis, or prints where each one is found.
import { CONTRACT_TESTER, installTools, locateContractTester, locateTool, TEMPORAL_TOOLCHAIN, type ToolName } from './toolchain.ts';

const command = process.argv[2] ?? 'install';
if (command === 'install') {
  if (!installTools(process.cwd(), console.log, { contractTester: true })) process.exit(1);
}
if (command === 'install' || command === 'where') {
  for (const name of Object.keys(TEMPORAL_TOOLCHAIN) as ToolName[]) {
    const at = locateTool(name);
    console.log(`${TEMPORAL_TOOLCHAIN[name].bin}: ${at.source === 'cached-download' ? 'not installed (the SDK would download it)' : `${at.path} (${at.source})`}`);
  }
  console.log(`${CONTRACT_TESTER.bin}: ${locateContractTester() ?? 'not installed'}`);
} else {
  console.error(`usage: npm run tools -- [install|where]`);
  process.exit(2);
}
