// Which failure_reason goes on the wire: gitlab-runner maps its own reason through the job's
// features.failure_reasons (common/failure_reason_mapper.go).
import type { FailureReason } from '../errors.js';

const ALWAYS: string[] = ['script_failure', 'runner_system_failure', 'job_execution_timeout'];
const COMPAT: Record<string, string> = {
  image_pull_failure: 'runner_system_failure',
  runner_configuration_error: 'script_failure',
  runner_external_dependency_failure: 'runner_system_failure',
};

export function mapFailureReason(reason: FailureReason | '' | undefined, supported: string[]): string {
  if (!reason) return 'script_failure';
  if (ALWAYS.includes(reason) || supported.includes(reason)) return reason;
  const compat = COMPAT[reason];
  if (compat && (ALWAYS.includes(compat) || supported.includes(compat))) return compat;
  return 'unknown_failure';
}
