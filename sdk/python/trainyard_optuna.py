"""Optuna drives a Trainyard study: each Optuna trial runs as a Trainyard job.

The study is submitted with ``search: external`` (docs/studies.md, "Adaptive search with Optuna"):
it holds the search space (its ``params:`` domains), the objective (``objective: {metric, mode}``),
the exact cap (``maxRuns``) and the parallelism cap. This module runs an Optuna study whose
objective, for each Optuna trial:

1. samples the params from the Trainyard study's domains (``choice`` → ``suggest_categorical``,
   ``int`` → ``suggest_int`` with its step, ``float`` → ``suggest_float`` with ``log``);
2. asks Trainyard for a trial with them (``POST /api/v1/studies/NAME/ask``): one transaction makes
   the trial and its job; a full study (parallelism) is asked again after ``poll_interval``;
3. while the job runs, reports each new point of the objective metric to Optuna
   (``trial.report(value, step)``) and, when ``trial.should_prune()``, tells Trainyard
   (``POST …/trials/INDEX/tell {state: pruned}``), which stops the job, then raises
   ``optuna.TrialPruned``;
4. when the job succeeds, returns the objective metric's last value (Trainyard's own: a trial that
   runs to the end is not told). A job that failed or was stopped outside Optuna fails the Optuna
   trial (``TrainyardTrialFailed``, caught, so the study goes on); one Trainyard's own early
   stopping stopped is pruned.

Standard library only (urllib); Optuna is imported by the caller. Usage::

    import optuna, trainyard_optuna
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=1),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=3))
    trainyard_optuna.optimize(study, "lr-tpe", n_trials=40)   # finds the server as the CLI does
    print(study.best_params, study.best_value)
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Optional

__all__ = ["optimize", "TrainyardClient", "TrainyardError", "TrainyardTrialFailed", "TrainyardStudyClosed", "suggest_params"]

#: Seconds between two reads of a running trial (its state and its new points). Default: 1.0.
DEFAULT_POLL_INTERVAL = 1.0


class TrainyardError(Exception):
    """An answer of the Trainyard API that is not a success: ``status``, ``code``, ``message``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class TrainyardTrialFailed(Exception):
    """The trial's job failed, or was stopped outside Optuna, or reported no objective value."""


class TrainyardStudyClosed(Exception):
    """The Trainyard study launches no more trials: it is paused, stopped or completed, or asked all of ``maxRuns``."""


def _data_dir_file(name: str) -> Optional[str]:
    """A file of the data directory (``TRAINYARD_HOME``, default ``~/.trainyard``), or None."""
    path = os.path.join(os.environ.get("TRAINYARD_HOME") or os.path.expanduser("~/.trainyard"), name)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


class TrainyardClient:
    """The few API calls the bridge makes.

    As the CLI finds the server: ``url`` and ``token``, else ``TRAINYARD_URL`` and
    ``TRAINYARD_TOKEN``, else the data directory's ``server.json`` and ``admin-token``.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 30.0):
        from_dir = not (url or os.environ.get("TRAINYARD_URL"))
        url = url or os.environ.get("TRAINYARD_URL")
        if not url:
            try:
                url = json.loads(_data_dir_file("server.json") or "{}").get("url")
            except ValueError:
                url = None
        if not url:
            raise ValueError("no Trainyard server: pass url=, set TRAINYARD_URL (e.g. http://127.0.0.1:7300), or start the server (its data directory's server.json)")
        self.url = url.rstrip("/")
        token = token if token is not None else os.environ.get("TRAINYARD_TOKEN")
        self.token = token if token is not None or not from_dir else _data_dir_file("admin-token")
        self.timeout = timeout
        # Direct connections only, as trainyard.py: the server is internal, proxies from the environment are not.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(req, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                err = json.loads(text)["error"]
                raise TrainyardError(error.code, err.get("code", "error"), err.get("message", text)) from None
            except (ValueError, KeyError, TypeError):
                raise TrainyardError(error.code, "error", text) from None

    def _study(self, name: str) -> str:
        return f"/api/v1/studies/{urllib.parse.quote(name, safe='')}"

    def study(self, name: str) -> Dict[str, Any]:
        return self.request("GET", self._study(name))

    def ask(self, name: str, params: Dict[str, Any]) -> Dict[str, Any]:
        return self.request("POST", self._study(name) + "/ask", {"params": params})

    def trial(self, name: str, index: int) -> Dict[str, Any]:
        return self.request("GET", f"{self._study(name)}/trials/{index}")

    def tell(self, name: str, index: int, body: Dict[str, Any]) -> Dict[str, Any]:
        return self.request("POST", f"{self._study(name)}/trials/{index}/tell", body)

    def finish(self, name: str) -> Dict[str, Any]:
        return self.request("POST", self._study(name) + "/finish")

    def points(self, job_id: int, metric: str, after: Optional[float]) -> list:
        """The (step, value) points of a job's metric after step ``after``, ascending; [] before the first."""
        query = {"buckets": "100000"}
        if after is not None:
            query["from"] = str(after + 1)
        try:
            series = self.request("GET", f"/api/v1/jobs/{job_id}/metrics/{urllib.parse.quote(metric, safe='')}?{urllib.parse.urlencode(query)}")
        except TrainyardError as error:
            if error.status == 404:
                return []  # no point of this metric yet
            raise
        values = series["last"] if series.get("bucketed") else series["values"]
        return [(step, float(value)) for step, value in zip(series["steps"], values)]


def suggest_params(trial: Any, domains: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """Samples every swept param of a Trainyard study (its stored domains) with Optuna's ``trial.suggest_*``."""
    params: Dict[str, Any] = {}
    for name, domain in domains.items():
        kind = domain["kind"]
        if kind == "choice":
            params[name] = trial.suggest_categorical(name, list(domain["values"]))
        elif kind == "int":
            params[name] = trial.suggest_int(name, domain["lo"], domain["hi"], step=domain["step"])
        elif kind == "float":
            params[name] = trial.suggest_float(name, domain["lo"], domain["hi"], log=bool(domain["log"]))
        # fixed: the study merges it in
    return params


def optimize(
    study: Any,
    name: str,
    n_trials: Optional[int] = None,
    *,
    url: Optional[str] = None,
    token: Optional[str] = None,
    client: Optional[TrainyardClient] = None,
    n_jobs: int = 1,
    timeout: Optional[float] = None,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    search_space: Optional[Callable[[Any], Dict[str, Any]]] = None,
    finish: bool = True,
    catch: tuple = (),
    callbacks: Optional[list] = None,
) -> Any:
    """Runs ``study.optimize`` with each Optuna trial as a trial of the Trainyard study ``name``.

    Args:
        study: an ``optuna.Study`` whose direction matches the Trainyard objective's mode.
        name: the Trainyard study (submitted with ``search: external``).
        n_trials: default: the trials the Trainyard study may still ask for (``maxRuns`` minus those asked).
        n_jobs: Optuna trials at once (threads); default 1. More than the study's ``parallelism``
            only waits: an ask of a full study is asked again every ``poll_interval``.
        poll_interval: seconds between reads of a running trial. Default: 1.0.
        search_space: ``f(optuna_trial) -> params`` instead of the study's domains; the study
            still checks each param against its domain (a value outside it fails the ask).
        finish: when Optuna is done, complete the Trainyard study (``POST …/finish``). Default: True.
        catch, callbacks, timeout: passed to ``study.optimize`` (``TrainyardTrialFailed`` is always caught).

    Each Optuna trial gets the user attributes ``trainyard_trial`` and ``trainyard_job``.
    Raises ``TrainyardStudyClosed`` when the Trainyard study stops launching trials (paused,
    stopped, or its ``maxRuns`` reached).
    """
    import optuna  # the caller's; imported here so the module loads without it

    api = client or TrainyardClient(url, token)
    info = api.study(name)
    if info["search"] != "external":
        raise ValueError(f"study {name} searches by {info['search']}: submit it with search: external to drive it from Optuna")
    objective = info["objective"]
    metric, mode = objective["metric"], objective["mode"]
    wanted = optuna.study.StudyDirection.MINIMIZE if mode == "min" else optuna.study.StudyDirection.MAXIMIZE
    if study.direction != wanted:
        raise ValueError(f"study {name} {'minimizes' if mode == 'min' else 'maximizes'} {metric}: create the Optuna study with direction={'minimize' if mode == 'min' else 'maximize'!r}")
    domains = {k: d for k, d in info["spec"]["params"].items() if d["kind"] != "fixed"}
    if n_trials is None:
        n_trials = max(0, info["maxRuns"] - info["trialCount"])

    def ask(params: Dict[str, Any]) -> Dict[str, Any]:
        while True:
            try:
                return api.ask(name, params)
            except TrainyardError as error:
                if error.status != 409:
                    raise
                now = api.study(name)
                if now["state"] != "running" or now["trialCount"] >= now["maxRuns"]:
                    raise TrainyardStudyClosed(error.message) from None
                time.sleep(poll_interval)  # full: a slot frees when a trial ends

    def wait_for_end(index: int) -> Dict[str, Any]:
        while True:
            view = api.trial(name, index)
            if view["state"] in ("succeeded", "failed", "stopped"):
                return view
            time.sleep(poll_interval)

    def run(trial: Any) -> float:
        params = search_space(trial) if search_space else suggest_params(trial, domains)
        asked = ask(params)
        index, job_id = asked["index"], asked["jobId"]
        trial.set_user_attr("trainyard_trial", index)
        trial.set_user_attr("trainyard_job", job_id)
        last_step: Optional[float] = None
        try:
            while True:
                view = api.trial(name, index)  # the state first: points read after an end are all there
                for step, value in api.points(job_id, metric, last_step):
                    last_step = step
                    if math.isnan(value):
                        continue
                    trial.report(value, int(step))
                    if view["state"] in ("queued", "running") and trial.should_prune():
                        try:
                            api.tell(name, index, {"state": "pruned", "step": int(step), "value": value})
                        except TrainyardError as error:
                            if error.status != 409:
                                raise
                            continue  # it ended first: its result stands, read below
                        # The Optuna trial ends as the job does: a job that finished before the stop took hold completed.
                        view = wait_for_end(index)
                        if view["state"] != "succeeded":
                            raise optuna.TrialPruned(f"pruned at step {int(step)} ({metric} {value:g}); Trainyard job {job_id} stopped")
                        break
                state = view["state"]
                if state == "succeeded":
                    value = (view.get("objective") or {}).get("value")
                    if value is None:
                        raise TrainyardTrialFailed(f"trial {index} (job {job_id}) succeeded without a finite {metric}")
                    return float(value)
                if state in ("failed", "stopped"):
                    decision = view.get("decision") or {}
                    if state == "stopped" and decision.get("action") in ("stop", "pause") and decision.get("policy") in ("asha", "median"):
                        raise optuna.TrialPruned(f"stopped by Trainyard's early stopping: {decision.get('reason')}")
                    outcome = view.get("outcome") or {}
                    raise TrainyardTrialFailed(f"trial {index} (job {job_id}) {state}: {outcome.get('kind', '')} {outcome.get('detail', '')}".strip())
                time.sleep(poll_interval)
        except (optuna.TrialPruned, TrainyardTrialFailed):
            raise
        except BaseException as error:
            # The bridge gives the trial up (an error, Ctrl-C): its job must not run on unseen.
            try:
                api.tell(name, index, {"state": "failed", "reason": f"{type(error).__name__}: {error}"[:2000]})
            except Exception:
                pass
            raise

    study.optimize(run, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, catch=tuple(catch) + (TrainyardTrialFailed,), callbacks=callbacks)
    if finish:
        try:
            api.finish(name)
        except TrainyardError as error:
            if error.status != 409:  # 409: trials still open (another searcher), or the study ended already
                raise
    return study
