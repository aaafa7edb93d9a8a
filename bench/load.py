"""One load phase with locust (run by bench/run.py as its own process: locust patches the
standard library with gevent, which the rest of the benchmark must not inherit).

    python -m bench.load --host URL --scenario NAME --users 16 --seconds 10 \
        --fixtures fixtures.json --out result.json
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, constant, events  # noqa: E402
from locust.env import Environment  # noqa: E402

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
PASSWORD = "bench-password-1"
FIXTURES: dict = {}
QUERY_COUNTS: dict[str, list[int]] = defaultdict(list)
_counters: dict[str, itertools.count] = defaultdict(itertools.count)
READY = {"users": 0}  # users that finished signing in


def pick(name: str, values: list):
    """Hand out values round-robin across users (each user gets its own account, visit...)."""
    return values[next(_counters[name]) % len(values)]


@events.request.add_listener
def _record_queries(request_type, name, response, exception, **kwargs):
    if response is not None and exception is None:
        count = response.headers.get("X-Query-Count")
        if count is not None:
            QUERY_COUNTS[name].append(int(count))


class BenchUser(HttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request at once
    abstract = True
    role = "anonymous"

    def on_start(self):
        self.csrf = None
        try:
            self.sign_in()
        finally:
            READY["users"] += 1

    def sign_in(self):
        if self.role == "anonymous":
            return
        account = pick(f"account-{self.role}", FIXTURES["accounts"][self.role])
        self.account = account
        page = self.client.get("/sign-in", name="(sign-in page)")
        token = CSRF.search(page.text).group(1)
        response = self.client.post("/sign-in", name="(sign-in)", allow_redirects=False,
                                    data={"email": account["email"], "password": PASSWORD,
                                          "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {account['email']}: {response.status_code}")
        home = self.client.get("/procedure/", name="(csrf page)")
        self.csrf = CSRF.search(home.text).group(1)

    def form_post(self, url: str, name: str, data: dict, prefix: str | None = None):
        data = {**data, "csrf_token": self.csrf}
        if prefix:
            data = {f"{prefix}-{key}": value for key, value in data.items()} | data
        return self.client.post(url, data=data, name=name, allow_redirects=False,
                                headers={"X-CSRFToken": self.csrf})


# --- What each kind of user does -------------------------------------------------------------

def healthz(user):
    user.client.get("/healthz", name="GET /healthz")


def nurse_today(user):
    user.client.get("/visits/today", name="nurse: GET /visits/today")


def nurse_visit_page(user):
    user.client.get(f"/visits/{user.account['visit_id']}", name="nurse: GET /visits/<id>")


def nurse_visit_in_progress(user):
    visit = pick("open-visit", FIXTURES["pool_visits"][str(user.account["id"])])
    user.client.get(f"/visits/{visit}", name="nurse: GET /visits/<id> (in progress)")


def nurse_post_vitals(user):
    visit = pick("vitals-visit", FIXTURES["pool_visits"][str(user.account["id"])])
    user.form_post(f"/visits/{visit}/vitals", "nurse: POST /visits/<id>/vitals", prefix="vitals",
                   data={"phase": "during", "taken_at": "", "heart_rate": "82", "systolic": "124",
                         "diastolic": "78", "respiratory_rate": "16", "temperature": "36.8",
                         "temperature_unit": "C", "spo2": "97", "consciousness": "A", "pain": "1",
                         "client_id": str(uuid.uuid4())})


def nurse_check_out(user):
    pool = FIXTURES["checkout_visits"][str(user.account["id"])]
    index = next(_counters[f"checkout-{user.account['id']}"])
    if index >= len(pool):
        return  # this nurse's pool of visits in progress is used up
    user.form_post(f"/visits/{pool[index]}/check-out", "nurse: POST /visits/<id>/check-out",
                   prefix="checkout",
                   data={"at": "", "latitude": "40.7", "longitude": "-74.0", "accuracy_m": "12",
                         "client_id": str(uuid.uuid4())})


def api_visits(user):
    user.client.get("/api/v1/visits", name="api: GET /api/v1/visits",
                    headers={"Authorization": f"Bearer {user.account['token']}"})


def api_visit(user):
    user.client.get(f"/api/v1/visits/{user.account['visit_id']}", name="api: GET /api/v1/visits/<id>",
                    headers={"Authorization": f"Bearer {user.account['token']}"})


def patient_home(user):
    user.client.get("/my-care", name="patient: GET /my-care")


def patient_prepare(user):
    user.client.get(f"/my-care/visits/{user.account['visit_id']}/prepare",
                    name="patient: GET /my-care/visits/<id>/prepare")


def patient_tick(user):
    state = getattr(user, "ticked", False)
    action = "untick" if state else "tick"
    user.form_post(f"/checklists/items/{user.account['item_id']}/{action}",
                   "patient: POST /checklists/items/<id>/tick", data={})
    user.ticked = not state


def office_dashboard(user):
    user.client.get("/history/", name="office: GET /history/ (dashboard)")


def office_history_first(user):
    user.client.get(f"/history/visits?nurse_id={FIXTURES['filter_nurse']}&state=signed",
                    name="office: GET /history/visits (first page, filtered)")


def office_history_last(user):
    user.client.get(f"/history/visits?nurse_id={FIXTURES['filter_nurse']}&state=signed&last=1",
                    name="office: GET /history/visits (last page, filtered)")


def office_history_all_last(user):
    user.client.get("/history/visits?last=1", name="office: GET /history/visits (last page, all)")


def office_visit_record(user):
    visit = pick("record-visit", FIXTURES["past_visits"])
    user.client.get(f"/history/visits/{visit}", name="office: GET /history/visits/<id>")


def office_patient_history(user):
    patient = pick("history-patient", FIXTURES["patients"])
    user.client.get(f"/history/patients/{patient}", name="office: GET /history/patients/<id>")


def office_patient_csv(user):
    patient = pick("csv-patient", FIXTURES["patients"])
    # The whole file is read before the request counts as done (requests reads the body).
    user.client.get(f"/history/visits.csv?patient_id={patient}",
                    name="office: GET /history/visits.csv (one patient)")


SCENARIOS = {
    "healthz": ("anonymous", [healthz]),
    "nurse_today": ("nurse", [nurse_today]),
    "nurse_visit_page": ("nurse", [nurse_visit_page]),
    "nurse_visit_in_progress": ("pool_nurse", [nurse_visit_in_progress]),
    "nurse_post_vitals": ("pool_nurse", [nurse_post_vitals]),
    "nurse_check_out": ("pool_nurse", [nurse_check_out]),
    "api_visits": ("nurse", [api_visits]),
    "api_visit": ("nurse", [api_visit]),
    "patient_home": ("patient", [patient_home]),
    "patient_prepare": ("patient", [patient_prepare]),
    "patient_tick": ("patient", [patient_tick]),
    "office_dashboard": ("coordinator", [office_dashboard]),
    "office_history_first": ("coordinator", [office_history_first]),
    "office_history_last": ("coordinator", [office_history_last]),
    "office_history_all_last": ("coordinator", [office_history_all_last]),
    "office_visit_record": ("coordinator", [office_visit_record]),
    "office_patient_history": ("coordinator", [office_patient_history]),
    "office_patient_csv": ("coordinator", [office_patient_csv]),
}

# The mixed workload: (scenario, weight) per kind of user, and how many of the users each.
MIXED = {
    "nurse": ([("nurse_today", 3), ("nurse_visit_page", 4), ("api_visits", 1), ("api_visit", 1)], 5),
    "pool_nurse": ([("nurse_visit_in_progress", 3), ("nurse_post_vitals", 3), ("nurse_check_out", 1)], 3),
    "patient": ([("patient_home", 3), ("patient_prepare", 2), ("patient_tick", 2)], 4),
    "coordinator": ([("office_dashboard", 3), ("office_history_first", 2),
                     ("office_history_last", 1), ("office_visit_record", 2),
                     ("office_patient_history", 2), ("office_patient_csv", 1)], 3),
    "anonymous": ([("healthz", 1)], 1),
}


def user_class(role: str, weighted: list[tuple], weight: int = 1):
    """A locust user class for a role: its tasks are plain functions taking the user."""
    tasks = {SCENARIOS[scenario][1][0]: task_weight for scenario, task_weight in weighted}
    return type(f"{role.title().replace('_', '')}User", (BenchUser,),
                {"role": role, "weight": weight, "tasks": tasks, "abstract": False})


def classes_for(scenario: str) -> list:
    if scenario == "mixed":
        return [user_class(role, weighted, weight) for role, (weighted, weight) in MIXED.items()]
    role, _functions = SCENARIOS[scenario]
    return [user_class(role, [(scenario, 1)])]


def run(host: str, scenario: str, users: int, seconds: float) -> dict:
    classes = classes_for(scenario)
    for cls in classes:
        cls.host = host
    env = Environment(user_classes=classes, events=events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    # Measure from a clean slate once everyone has signed in (Argon2 makes sign-in slow
    # on purpose: 16 of them take seconds on 2 cores).
    with gevent.Timeout(120, False):
        while READY["users"] < users:
            gevent.sleep(0.1)
    env.stats.reset_all()
    QUERY_COUNTS.clear()
    gevent.sleep(seconds)
    runner.quit()
    return summarise(env, seconds)


def summarise(env, seconds: float) -> dict:
    endpoints = {}
    for (name, _method), entry in env.stats.entries.items():
        if name.startswith("("):
            continue  # sign-in steps
        counts = QUERY_COUNTS.get(name, [])
        endpoints[name] = {
            "requests": entry.num_requests, "failures": entry.num_failures,
            "rps": round(entry.num_requests / seconds, 1),
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "queries_min": min(counts) if counts else None,
            "queries_max": max(counts) if counts else None,
        }
    errors = [f"{e.method} {e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()]
    return {"seconds": seconds, "endpoints": endpoints, "errors": errors[:20]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.fixtures) as handle:
        FIXTURES.update(json.load(handle))
    result = run(args.host, args.scenario, args.users, args.seconds)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
