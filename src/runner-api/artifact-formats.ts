// Report artifact types as GitLab sends them in the job payload: the file name the runner uploads
// under (`artifacts[].name`) and the archive format (`artifact_format`), from GitLab's
// Ci::JobArtifact type/format pairs and default file names.
import type { ArtifactFormat } from './protocol.js';

export const REPORT_FORMATS: Record<string, { name: string; format: ArtifactFormat }> = {
  junit: { name: 'junit.xml', format: 'gzip' },
  metrics: { name: 'metrics.txt', format: 'gzip' },
  dotenv: { name: '.env', format: 'gzip' },
  cobertura: { name: 'cobertura-coverage.xml', format: 'gzip' },
  coverage_report: { name: 'cobertura-coverage.xml', format: 'gzip' },
  jacoco: { name: 'jacoco.xml', format: 'gzip' },
  lsif: { name: 'lsif.json', format: 'zip' },
  cyclonedx: { name: 'gl-sbom.cdx.json', format: 'gzip' },
  annotations: { name: 'gl-annotations.json', format: 'gzip' },
  repository_xray: { name: 'gl-repository-xray.json', format: 'gzip' },
  sast: { name: 'gl-sast-report.json', format: 'raw' },
  secret_detection: { name: 'gl-secret-detection-report.json', format: 'raw' },
  dependency_scanning: { name: 'gl-dependency-scanning-report.json', format: 'raw' },
  container_scanning: { name: 'gl-container-scanning-report.json', format: 'raw' },
  cluster_image_scanning: { name: 'gl-cluster-image-scanning-report.json', format: 'raw' },
  dast: { name: 'gl-dast-report.json', format: 'raw' },
  license_scanning: { name: 'gl-license-scanning-report.json', format: 'raw' },
  accessibility: { name: 'gl-accessibility.json', format: 'raw' },
  codequality: { name: 'gl-code-quality-report.json', format: 'raw' },
  performance: { name: 'performance.json', format: 'raw' },
  browser_performance: { name: 'browser-performance.json', format: 'raw' },
  load_performance: { name: 'load-performance.json', format: 'raw' },
  terraform: { name: 'tfplan.json', format: 'raw' },
  requirements: { name: 'requirements.json', format: 'raw' },
  requirements_v2: { name: 'requirements_v2.json', format: 'raw' },
  coverage_fuzzing: { name: 'gl-coverage-fuzzing.json', format: 'raw' },
  api_fuzzing: { name: 'gl-api-fuzzing-report.json', format: 'raw' },
};

export const ARTIFACT_FORMATS: readonly ArtifactFormat[] = ['zip', 'gzip', 'raw', 'zipzstd', 'tarzstd'];

/** Artifact types accepted on upload: the archive, its metadata, and every known report. */
export const ARTIFACT_TYPES: readonly string[] = ['archive', 'metadata', ...Object.keys(REPORT_FORMATS)];

export function reportFormat(type: string): { name: string; format: ArtifactFormat } {
  return REPORT_FORMATS[type] ?? { name: type, format: 'gzip' };
}
