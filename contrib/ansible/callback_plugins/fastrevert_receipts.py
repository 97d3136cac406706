# Receipts of emergency.yml: one per host, read from the tool's JSON answer and exit code as each
# host answers, printed when the play ends and written as JSON for a pager or a chat hook.
# In-process: writing them costs no module run, so the fleet's answer is out as soon as the last
# host's is in. Ansible loads this file because it sits next to the playbooks; it acts only on
# the task that registers `fastrevert_flip`, so the other playbooks are untouched.
from __future__ import annotations

import json
import os
import re
import tempfile

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: fastrevert_receipts
type: aggregate
short_description: per-host receipts of git-fastrevert's emergency rollback
description:
  - Turns each host's answer to the emergency switch into a receipt (flipped, already there,
    refused, failed, unreachable), prints a summary when the play ends and writes the receipts
    as JSON to the extra var fastrevert_receipts (default ./fastrevert-receipts.json).
"""

FLIP_TASK_REGISTER = "fastrevert_flip"
# The tool's exit code for a refusal (a release marked bad, a hold, the migration guard).
EXIT_REFUSED = 4
BACK = ("flipped", "already there")


def natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def json_answer(stdout):
    """The tool's --json answer: the last line of stdout that parses as a JSON object."""
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if isinstance(answer, dict):
                return answer
    return None


def receipt_of(outcome, result):
    """A receipt from one host's result of the switch task."""
    if outcome == "unreachable":
        return {"state": "unreachable", "release": "", "why": str(result.get("msg", "")).strip()}
    answer = json_answer(result.get("stdout"))
    rc = result.get("rc")
    if outcome == "ok" and rc == 0 and answer is not None:
        state = "flipped" if answer.get("changed") is True else "already there"
        return {"state": state, "release": str(answer.get("release") or ""), "why": ""}
    error = (answer or {}).get("error") or {}
    why = error.get("message") if isinstance(error, dict) else None
    if not why:
        why = str(result.get("stderr") or "").strip()
    if not why:
        why = "exit %s without an answer" % rc if rc == 0 else str(result.get("msg", "")).strip()
    state = "refused" if rc == EXIT_REFUSED else "failed"
    return {"state": state, "release": str((answer or {}).get("release") or ""), "why": why}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fastrevert_receipts"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._receipts = {}
        self._extra_vars = {}

    def v2_playbook_on_play_start(self, play):
        manager = play.get_variable_manager()
        if manager is not None:
            self._extra_vars = dict(manager.extra_vars)

    def _record(self, outcome, result):
        task = getattr(result, "task", None) or result._task
        if task.register != FLIP_TASK_REGISTER:
            return
        host = (getattr(result, "host", None) or result._host).get_name()
        answer = getattr(result, "result", None)
        if answer is None:
            answer = result._result
        self._receipts[host] = receipt_of(outcome, answer)

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_playbook_on_stats(self, stats):
        if not self._receipts:
            return
        # A host the play counted that never answered the switch is not back either.
        for host in stats.processed:
            self._receipts.setdefault(host, {"state": "failed", "release": "", "why": "no answer to the switch"})
        hosts = sorted(self._receipts, key=natural_key)
        receipts = [dict(host=host, **self._receipts[host]) for host in hosts]
        path = str(self._extra_vars.get("fastrevert_receipts") or os.path.join(os.getcwd(), "fastrevert-receipts.json"))
        release = str(self._extra_vars.get("fastrevert_release") or "previous")
        written = self._write(path, {"release": release, "hosts": receipts})
        back = [r for r in receipts if r["state"] in BACK]
        not_back = [r for r in receipts if r["state"] not in BACK]
        self._display.banner("FASTREVERT RECEIPTS")
        for r in not_back:
            why = " (%s)" % r["why"] if r["why"] else ""
            self._display.display("%s: %s%s" % (r["host"], r["state"], why), color="bright red")
        summary = "%d of %d hosts back" % (len(back), len(receipts))
        if not_back:
            summary += "; not back: " + ", ".join(r["host"] for r in not_back)
        self._display.display(summary, color="bright red" if not_back else "green")
        if written:
            self._display.display("receipts in %s" % path)

    def _write(self, path, receipts):
        """Write the receipts whole (a temporary file renamed over the old one) or say why not."""
        try:
            folder = os.path.dirname(os.path.abspath(path))
            fd, tmp = tempfile.mkstemp(prefix=".fastrevert-receipts.", dir=folder)
            try:
                with os.fdopen(fd, "w") as out:
                    json.dump(receipts, out, indent=2)
                    out.write("\n")
                os.chmod(tmp, 0o640)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as err:
            self._display.error("the receipts could not be written to %s: %s" % (path, err))
            return False
        return True
