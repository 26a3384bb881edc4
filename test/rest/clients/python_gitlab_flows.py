"""Flows of python-gitlab (Debian's python3-gitlab) against a gitlab-ci-dispatcher server.

Reads GITLAB_URL and GITLAB_TOKEN; prints one JSON object with what each flow saw. Run with
Debian's /usr/bin/python3 (the library is a Debian package, not a pip install).
"""
import json
import os
import sys

import gitlab

url = os.environ["GITLAB_URL"]
token = os.environ["GITLAB_TOKEN"]
runner_id = int(os.environ["RUNNER_ID"])
out = {}

gl = gitlab.Gitlab(url, private_token=token, per_page=20)
gl.auth()
out["user"] = {"username": gl.user.username, "is_admin": gl.user.is_admin}
out["version"] = gl.version()[0]

# projects: list, search, get by path
out["projects"] = sorted(p.path_with_namespace for p in gl.projects.list(get_all=True))
out["search"] = [p.path_with_namespace for p in gl.projects.list(search="app", get_all=True)]
project = gl.projects.get("team/app")
out["by_path"] = {"id": project.id, "default_branch": project.default_branch, "web_url": project.web_url}

# pagination: one page of 1, its headers as python-gitlab reads them
page = gl.projects.list(per_page=1, page=1, get_all=False, iterator=True)
out["pagination"] = {"total": page.total, "total_pages": page.total_pages, "per_page": page.per_page, "next_page": page.next_page, "current_page": page.current_page}
out["iterated"] = len(list(gl.projects.list(per_page=1, iterator=True)))

# a masked variable, then reading it back
var = project.variables.create({"key": "DEPLOY_TOKEN", "value": "s3cr3t-value-1", "masked": True, "protected": False})
out["variable"] = {"key": var.key, "masked": var.masked, "value": var.value}
got = project.variables.get("DEPLOY_TOKEN")
got.value = "s3cr3t-value-2"
got.save()
out["variables"] = [(v.key, v.masked) for v in project.variables.list(get_all=True)]
try:
    project.variables.create({"key": "BAD", "value": "short", "masked": True})
    out["masked_short"] = "accepted"
except gitlab.exceptions.GitlabCreateError as e:
    out["masked_short"] = e.response_code

# runners: list, pause, read back
out["runners_all"] = [r.id for r in gl.runners_all.list(get_all=True)]
runner = gl.runners.get(runner_id)
runner.paused = True
runner.save()
out["runner_paused"] = gl.runners.get(runner_id).paused
out["runner_jobs"] = len(runner.jobs.list(get_all=True))

# protected branches and tags
pb = project.protectedbranches.create({"name": "release/*", "push_access_level": gitlab.const.MAINTAINER_ACCESS})
out["protected_branch"] = pb.name
out["protected_branches"] = sorted(b.name for b in project.protectedbranches.list(get_all=True))
project.protectedbranches.delete("release/*")
out["protected_after_delete"] = sorted(b.name for b in project.protectedbranches.list(get_all=True))
project.protectedtags.create({"name": "v*", "create_access_level": gitlab.const.MAINTAINER_ACCESS})
out["protected_tags"] = [t.name for t in project.protectedtags.list(get_all=True)]

# repository reads
out["branches"] = sorted(b.name for b in project.branches.list(get_all=True))
out["raw_file"] = project.files.raw(file_path=".gitlab-ci.yml", ref="main").decode()

# errors as python-gitlab raises them
try:
    gl.projects.get("team/nope")
    out["missing"] = "found"
except gitlab.exceptions.GitlabGetError as e:
    out["missing"] = e.response_code

json.dump(out, sys.stdout)
