import { Context } from '@temporalio/activity';

/** The running activity's context, or undefined when the function is called directly (tests, benchmarks, scripts). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
