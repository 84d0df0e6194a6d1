import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { tempFolder } from '../support/stack.ts';

/**
 * The workflow code of an earlier commit (src/workflows with the src/domain it imports), bundled into a file a worker
 * runs with WORKFLOW_BUNDLE_FILE: the build that was deployed before the current one.
 */
export async function bundleWorkflowsAt(commit: string): Promise<string> {
  const dir = tempFolder('dsrflow-earlier-');
  const tree = execFileSync('git', ['archive', '--format=tar', commit, 'src/workflows', 'src/domain'], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tree });
  // The copy lives outside the repository: let webpack find @temporalio/workflow and the domain's packages in ours.
  const nodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
  const bundle = await bundleWorkflowCode({
    workflowsPath: join(dir, 'src', 'workflows', 'index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? []), nodeModules] } }),
  });
  const file = join(dir, 'workflow-bundle.js');
  writeFileSync(file, bundle.code);
  return file;
}
