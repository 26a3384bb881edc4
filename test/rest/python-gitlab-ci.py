# Driven by python-gitlab-ci.test.ts with Debian's python3-gitlab: the CI flows of a release
# script. Prints one JSON object with what it saw; exits non-zero on any client error.
import json
import os
import sys
import time

import gitlab

url, token, pid = os.environ["GCD_URL"], os.environ["GCD_TOKEN"], int(os.environ["GCD_PROJECT_ID"])
gl = gitlab.Gitlab(url, private_token=token)
gl.auth()
project = gl.projects.get(pid, lazy=True)
out = {"user": gl.user.username}

pipeline = project.pipelines.create({"ref": "main", "variables": [{"key": "GREETING", "value": "hello-python", "variable_type": "env_var"}]})
out["created_status"] = pipeline.status
for _ in range(400):
    if pipeline.status in ("success", "failed", "canceled"):
        break
    time.sleep(0.25)
    pipeline.refresh()
out["status"] = pipeline.status
out["pipeline_source"] = pipeline.source
out["variables"] = [v.attributes for v in pipeline.variables.list()]

jobs = pipeline.jobs.list(get_all=True)
out["jobs"] = sorted([j.name, j.status] for j in jobs)
by_name = {j.name: j for j in jobs}
build = project.jobs.get(by_name["build"].id)
out["trace"] = build.trace().decode()
out["archive_magic"] = project.artifacts.download(ref_name="main", job="build")[:2].decode()
out["raw"] = project.artifacts.raw("main", "out.txt", "build").decode()
out["by_id"] = build.artifact("dist/app.txt").decode()

report = pipeline.test_report.get()
out["report"] = {k: getattr(report, k) for k in ("total_count", "success_count", "failed_count", "skipped_count", "error_count")}
summary = pipeline.test_report_summary.get()
out["summary_total"] = summary.total

deploy = project.jobs.get(by_name["deploy"].id)
gl.http_post(f"/projects/{pid}/jobs/{deploy.id}/play", post_data={"job_variables_attributes": [{"key": "TARGET", "value": "prod"}]})
for _ in range(400):
    deploy = project.jobs.get(deploy.id)
    if deploy.status in ("success", "failed"):
        break
    time.sleep(0.25)
out["deploy"] = deploy.status
out["deploy_trace"] = deploy.trace().decode()

latest = project.pipelines.list(ref="main", status="success", order_by="id", sort="desc", get_all=False)
out["latest_ids"] = [p.id for p in latest]
out["pipeline_id"] = pipeline.id

try:
    deploy.play()
    out["replay"] = "accepted"
except gitlab.exceptions.GitlabError as e:
    out["replay"] = e.response_code

build.keep_artifacts()
build.erase()
out["erased_artifacts"] = project.jobs.get(build.id).attributes["artifacts"]
pipeline.delete()
try:
    project.pipelines.get(pipeline.id)
    out["after_delete"] = "found"
except gitlab.exceptions.GitlabGetError as e:
    out["after_delete"] = e.response_code

print(json.dumps(out))
