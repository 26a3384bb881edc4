"""python-gitlab (Debian's python3-gitlab) against the dispatcher: trigger tokens and a triggered
pipeline, a pipeline schedule with a variable that is played and then fires by itself, a project
hook. Prints one JSON object with what it saw (the vitest side checks it)."""
import json
import os
import sys
import time

import gitlab

gl = gitlab.Gitlab(os.environ["GCD_URL"], private_token=os.environ["GCD_TOKEN"])
project = gl.projects.get(int(os.environ["GCD_PROJECT_ID"]), lazy=True)
out = {}

trigger = project.triggers.create({"description": "python"})
out["trigger_token"] = trigger.token
out["triggers_listed"] = [t.token for t in project.triggers.list()]
pipeline = project.trigger_pipeline("main", trigger.token, variables={"DEPLOY_TO": "python"})
out["triggered"] = {"id": pipeline.id, "source": pipeline.source, "ref": pipeline.ref}

hook = project.hooks.create({"url": os.environ["GCD_HOOK_URL"], "pipeline_events": True, "job_events": True, "token": "py-secret"})
out["hook"] = {"id": hook.id, "pipeline_events": hook.pipeline_events, "job_events": hook.job_events}
hooked = project.trigger_pipeline("main", trigger.token, variables={"DEPLOY_TO": "hooked"})
out["hooked_pipeline"] = hooked.id

schedule = project.pipelineschedules.create({"ref": "main", "description": "every minute", "cron": "* * * * *", "cron_timezone": "UTC"})
schedule.variables.create({"key": "NIGHTLY", "value": "from-python"})
out["schedule_next_run_at"] = schedule.next_run_at
schedule_id = schedule.id
schedule.play()  # python-gitlab then holds GitLab's {"message": "201 Created"}
played = project.pipelineschedules.get(schedule_id)
out["played_pipeline"] = played.last_pipeline["id"]
out["schedule_variables"] = [{"key": v["key"], "value": v["value"]} for v in played.attributes["variables"]]

# the scheduler fires it at the next minute (within a minute of its cron time)
deadline = time.time() + 80
fired = None
while time.time() < deadline:
    current = project.pipelineschedules.get(schedule_id)
    if current.last_pipeline and current.last_pipeline["id"] != out["played_pipeline"]:
        fired = current.last_pipeline
        break
    time.sleep(1)
out["fired"] = fired
out["fired_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

try:
    project.trigger_pipeline("main", "glptt-not-a-token")
    out["bad_token"] = "accepted"
except gitlab.exceptions.GitlabCreateError as e:
    out["bad_token"] = e.response_code

json.dump(out, sys.stdout)
