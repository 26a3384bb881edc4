// GitLab's Commit#full_title and #description, for CI_COMMIT_TITLE / CI_COMMIT_DESCRIPTION: the
// first line; the message without it (one trailing newline chomped, a blank second line kept), or
// the whole message when the title has 100 characters or more. Used by the compiler (rules) and
// the runner API (job variables), so both see the same values.
export function commitTitleAndDescription(message: string): { title: string; description: string } {
  const title = message.split(/[\r\n]/, 1)[0] ?? '';
  if (title.length >= 100) return { title, description: message };
  const newline = message.indexOf('\n');
  return { title, description: newline < 0 ? '' : message.slice(newline + 1).replace(/\r?\n$/, '') };
}
