import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/**
 * A workflow bundle of earlier workflow code, given as source text (a copy of a past version): replay tests record
 * a run with it, then replay that history on the current bundle.
 */
export async function bundleEarlierWorkflows(source: string): Promise<WorkflowBundleWithSourceMap> {
  const dir = mkdtempSync(join(tmpdir(), 'dsrflow-earlier-workflows-'));
  writeFileSync(join(dir, 'workflows.ts'), source);
  // The copy lives outside the repository: let webpack find @temporalio/workflow in ours.
  const nodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
  return bundleWorkflowCode({
    workflowsPath: join(dir, 'workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    webpackConfigHook: (config) => ({ ...config, resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? []), nodeModules] } }),
  });
}
