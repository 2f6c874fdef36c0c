#!/usr/bin/env python3
"""A starter appointment sync client under the cerner-harness contract (harness/README.md, "The harness <->
client contract"). Copy it and make it yours: it passes `cerner-harness rehearse --fhir-version
both`, uses the Python standard library only, and each rule the review checks is marked `Rule:`.

    cerner-harness rehearse --fhir-version both --client-cmd "python3 examples/clients/python/client.py"

The job file named by HARNESS_JOB gives the system account, the tenants (FHIR base + locations),
the window [start, end), the output file and a state_dir that survives between runs. For each
tenant the client reads the base's metadata (token URL, FHIR version), signs in once, searches the
window's appointments and follows the server's `next` links, appending one JSON line per
appointment to the output. It ends with the contract v2 summary on stdout (each tenant's outcome,
reason and row counts) and exits 0 when every tenant synced, 1 otherwise.
"""
import base64
import datetime
import email.utils
import http.client
import json
import os
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

JOB = json.load(open(os.environ["HARNESS_JOB"]))
DEFERRALS = os.path.join(JOB["state_dir"], "deferred.json")
MAX_PAGES = int(JOB.get("limits", {}).get("max_pages", 10000))
MAX_BODY = 16 * 1024 * 1024  # Rule: bounded memory; a real page of 50 appointments is far smaller.
MAX_ATTEMPTS = 5  # Rule: bounded retries of a 5xx or a broken connection, with backoff.
MAX_WAIT = 120  # seconds; a longer Retry-After defers the tenant to a later run.
MAX_THROTTLED = 5  # 429s in a row before the tenant is deferred.
# Rule: every request has a total timeout (a body that stalls or dribbles must not hang the run).
REQUEST_TIMEOUT = float(JOB.get("limits", {}).get("request_timeout_seconds", 30))
VANISHED = os.path.join(JOB["state_dir"], "vanished.json")
TRUSTED_TOKEN_HOSTS = {"authorization.cerner.com"}  # besides each base's own origin
R4 = "4.0.1"


class NotSynced(Exception):
    """A tenant that cannot be synced now: its outcome (failed, rejected, deferred) and why."""

    def __init__(self, outcome, reason):
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


class NoRedirect(urllib.request.HTTPRedirectHandler):
    # Rule: a 3xx is never followed; it could carry the bearer token to another host.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(method, url, headers, data=None):
    """One HTTP exchange: (status, lower-cased headers, body); status 0 for a broken connection."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    deadline = time.monotonic() + REQUEST_TIMEOUT
    try:
        with OPENER.open(request, timeout=REQUEST_TIMEOUT) as response:
            return response.status, lower(response.headers), read_body(response, deadline)
    except urllib.error.HTTPError as error:
        return error.code, lower(error.headers), read_body(error, deadline)
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return 0, {}, b""


def lower(headers):
    return {name.lower(): value for name, value in headers.items()}


def read_body(response, deadline):
    body = bytearray()
    read = getattr(response, "read1", response.read)
    while chunk := read(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY:
            raise NotSynced("failed", f"an answer larger than {MAX_BODY} bytes")
        if time.monotonic() > deadline:  # a timeout, retried like a broken connection
            raise TimeoutError(f"no whole answer within {REQUEST_TIMEOUT:.0f} s")
    return bytes(body)


def retry_after(headers):
    """Seconds a Retry-After asks for: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    value = headers.get("retry-after", "1").strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return 1


def fetch(tenant, method, url, headers, data=None):
    """`call` with the waiting rules: 429 waits out Retry-After (at least 1 s; a long one or too
    many defer the tenant); 5xx and broken connections are retried with jittered exponential
    backoff, at most MAX_ATTEMPTS times. Any other answer is returned."""
    attempts = throttled = 0
    while True:
        status, answer, body = call(method, url, headers, data)
        if status == 429:
            wait, throttled = retry_after(answer), throttled + 1
            if wait > MAX_WAIT:
                remember_deferral(tenant, wait)
                raise NotSynced("deferred", f"the server asked to wait {wait:.0f} s")
            if throttled > MAX_THROTTLED:
                raise NotSynced("deferred", f"still throttled after {MAX_THROTTLED} waits")
            time.sleep(max(wait, 1))
            continue
        if status == 0 or status >= 500:
            attempts += 1
            # Rule: log the X-Request-Id of a failed call; it is what Cerner support asks for.
            request_id = answer.get("x-request-id", "none")
            log(f"tenant {tenant['id']}: {method} answered {status or 'no answer'} (X-Request-Id {request_id})")
            if attempts >= MAX_ATTEMPTS:
                raise NotSynced("failed", f"{method} failed {attempts} times, last with {status or 'no answer'}")
            ceiling = 0.5 * 2 ** (attempts - 1)
            time.sleep(ceiling / 2 + random.uniform(0, ceiling / 2))
            continue
        return status, answer, body


def discover(tenant, base):
    """The token URL and FHIR version from the base's metadata (no token needed). Rule: each
    tenant's own statement says which searches it offers; a search it does not offer is never sent."""
    status, _, body = fetch(tenant, "GET", base + "metadata", {"Accept": "application/json"})
    if status != 200:
        raise NotSynced("failed", f"metadata answered {status}")
    statement = json.loads(body)
    version = statement.get("fhirVersion")
    if version not in ("1.0.2", R4):
        raise NotSynced("failed", f"unsupported fhirVersion {version!r}")
    rest = statement["rest"][0]
    date = "-date-or-req-period" if version == R4 else "date"
    offered = [p.get("name") for r in rest.get("resource", []) if r.get("type") == "Appointment"
               for p in r.get("searchParam", [])]
    if "resource" in rest and not ("location" in offered and date in offered):
        raise NotSynced("failed", f"its metadata offers no Appointment search by location and {date}")
    for extension in statement["rest"][0]["security"].get("extension", []):
        for item in extension.get("extension", []):
            if item.get("url") == "token":
                token_url = item["valueUri"]
                # Rule: credentials go only to the tenant's own authorization server.
                parts = urllib.parse.urlsplit(token_url)
                trusted = parts.scheme == "https" and parts.hostname in TRUSTED_TOKEN_HOSTS
                if not trusted and origin(token_url) != origin(base):
                    raise NotSynced("failed", f"refused the untrusted token URL on {parts.netloc}")
                return token_url, version
    raise NotSynced("failed", "the metadata names no token URL")


def origin(url):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc


def sign_in(tenant, token_url):
    """One client_credentials token (secret over HTTP Basic, only to the token URL)."""
    basic = base64.b64encode(f"{JOB['client_id']}:{JOB['client_secret']}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": JOB["scopes"]}).encode()
    headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/json"}
    status, _, body = fetch(tenant, "POST", token_url, headers, form)
    if status != 200:
        # Rule: say why (invalid_grant: the tenant has not approved this account; unauthorized_client:
        # no scope granted, or the app is not yet approved for production); never retry a refusal.
        try:
            code = json.loads(body).get("error", "?")
        except (ValueError, AttributeError):
            code = "no OAuth error"
        raise NotSynced("rejected", f"the token endpoint answered {status} ({code})")
    answer = json.loads(body)
    # Rule: read what was granted; a hospital may grant less than the account registered.
    granted = answer.get("scope")
    if isinstance(granted, str) and "system/Appointment.read" not in granted.split():
        raise NotSynced("rejected", f"the granted scope {granted!r} lacks system/Appointment.read")
    return answer["access_token"]


def in_window(resource):
    """Rule: keep exactly the appointments that start in [window.start, window.end), in UTC. R4
    searches by period overlap, so the server's answer also holds appointments outside it."""
    start = resource.get("start")
    if not start:
        return False
    when = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    utc = datetime.timezone.utc
    low = datetime.datetime.fromisoformat(JOB["window"]["start"]).replace(tzinfo=utc)
    high = datetime.datetime.fromisoformat(JOB["window"]["end"]).replace(tzinfo=utc)
    return low <= when < high


def sync(tenant, output, view, counts):
    """Syncs one tenant; raises NotSynced when it cannot. `view` holds what earlier runs stored,
    `counts` this tenant's row counts for the summary."""
    base = tenant["fhir_base"]
    until = deferrals().get(tenant["id"], 0)
    if until > time.time():  # Rule: a deferral outlives the run.
        raise NotSynced("deferred", f"asked to wait until {time.ctime(until)}")
    token_url, version = discover(tenant, base)
    token = sign_in(tenant, token_url)  # Rule: one token per tenant, reused for every call.
    # Rule: one actor parameter (a comma list), a ge/lt date pair. R4's `date` leaves out proposed
    # appointments; `-date-or-req-period` keeps them.
    date = "-date-or-req-period" if version == R4 else "date"
    start, end = JOB["window"]["start"], JOB["window"]["end"]
    query = [("location", ",".join(tenant["locations"])), (date, "ge" + start), (date, "lt" + end),
             ("_count", "50")]
    url = base + "Appointment?" + urllib.parse.urlencode(query)
    accept = "application/fhir+json" if version == R4 else "application/json+fhir"
    fetched, refreshed, seen = set(), False, set()
    while url:
        # Rule: a page is fetched once; pages are bounded.
        if url in fetched:
            raise NotSynced("failed", "the server's next link leads back to a page already read")
        if len(fetched) >= MAX_PAGES:
            raise NotSynced("failed", f"more than {MAX_PAGES} pages")
        status, _, body = fetch(tenant, "GET", url, {"Authorization": "Bearer " + token, "Accept": accept})
        if status == 401 and not refreshed:
            # Rule: after a 401 (expired token), exactly one new token, then retry.
            token, refreshed = sign_in(tenant, token_url), True
            continue
        if status in (401, 403):
            raise NotSynced("rejected", f"the server answered {status}")  # Rule: stop calling it.
        if status != 200:
            raise NotSynced("failed", f"the server answered {status}")
        fetched.add(url)
        refreshed = False
        try:
            bundle = json.loads(body)
        except ValueError:
            raise NotSynced("failed", "a page is not JSON")
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") == "Appointment" and in_window(resource):
                # Rule: records are keyed on (tenant, id); the last line per key is the final view.
                output.write(json.dumps({"tenant": tenant["id"], "resource": resource}) + "\n")
                count(tenant, resource, view, seen, counts)
        links = {link.get("relation"): link.get("url") for link in bundle.get("link", [])}
        url = links.get("next")
        # Rule: follow `next` byte for byte, but only within this tenant's base (the token is for it).
        if url and not url.startswith(base):
            raise NotSynced("failed", "refused a next link outside the tenant's FHIR base")
    mark_vanished(tenant, view, seen, counts)


def count(tenant, resource, view, seen, counts):
    """Counts a row once per run: new, updated (a new versionId) or unchanged."""
    key = (tenant["id"], resource.get("id"))
    if key in seen:
        return
    seen.add(key)
    before = view.get(key)
    version = lambda r: r.get("meta", {}).get("versionId")
    kind = "inserted" if before is None else "updated" if version(before) != version(resource) else "unchanged"
    counts[kind] += 1


def mark_vanished(tenant, view, seen, counts):
    """Rule: after a complete sync, a row stored before, starting inside the window, that the server
    no longer returns has vanished (rescheduled out of the window, or deleted): report it once."""
    known = json.load(open(VANISHED)) if os.path.exists(VANISHED) else []
    for key, resource in view.items():
        name = f"{key[0]}/{key[1]}"
        if key[0] == tenant["id"] and key not in seen and name not in known and in_window(resource):
            known.append(name)
            counts["vanished"] += 1
    json.dump(known, open(VANISHED, "w"))


def deferrals():
    return json.load(open(DEFERRALS)) if os.path.exists(DEFERRALS) else {}


def remember_deferral(tenant, seconds):
    known = deferrals()
    known[tenant["id"]] = time.time() + seconds
    json.dump(known, open(DEFERRALS, "w"))


def log(line):
    # Rule: logs never hold the secret or a token (nothing here prints them).
    print(line, file=sys.stderr, flush=True)


def main():
    os.makedirs(JOB["state_dir"], exist_ok=True)
    view = {}  # what earlier runs stored: the last line per (tenant, id)
    if os.path.exists(JOB["output"]):
        for line in open(JOB["output"]):
            try:
                record = json.loads(line)
                view[(record["tenant"], record["resource"]["id"])] = record["resource"]
            except (ValueError, KeyError, TypeError):
                pass
    summary = []
    with open(JOB["output"], "a") as output:
        for tenant in JOB["tenants"]:
            log(f"syncing tenant {tenant['id']}")
            counts = {"inserted": 0, "updated": 0, "unchanged": 0, "vanished": 0}
            try:
                sync(tenant, output, view, counts)
                summary.append({"tenant": tenant["id"], "outcome": "synced", **counts})
            except (NotSynced, ValueError, KeyError, TypeError) as error:
                outcome, reason = getattr(error, "outcome", "failed"), str(error)
                # Rule: a tenant not synced is reported, by its full id, with the reason (v1 log line).
                log(f"tenant {tenant['id']} {outcome}: {reason}")
                summary.append({"tenant": tenant["id"], "outcome": outcome, "reason": reason, **counts})
            output.flush()
    # Contract v2: the summary, one JSON object on the last line of stdout.
    print(json.dumps({"tenants": summary}))
    sys.exit(0 if all(t["outcome"] == "synced" for t in summary) else 1)


main()
