// GitLab's slugs (CI_COMMIT_REF_SLUG, CI_JOB_NAME_SLUG, CI_PROJECT_PATH_SLUG, CI_ENVIRONMENT_SLUG):
// lowercased, every character outside [a-z0-9] replaced by "-", at most 63 characters, no leading
// or trailing "-".
export function slugify(text: string, max = 63): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/** "build 1/3" -> "build", "test: [linux, amd64]" -> "test" (CI_JOB_GROUP_NAME). */
export function jobGroupName(name: string): string {
  return name.replace(/ \d+\/\d+$/, '').replace(/: \[.*\]$/, '');
}
