#!/usr/bin/env python3
"""A deliberately broken sync client under the harness contract v1, for proving that every
conformance check can fail. It syncs like a plain client, except for the one flaw named by its
first argument:

  token-per-request      asks for a new token before every request
  ignore-retry-after     retries a 429 after 0.1 s whatever Retry-After says
  foreign-next           follows a next link to any origin, with the token
  print-secret           prints the client secret in its log
  build-pages            builds page URLs (_count + page=N) instead of following next
  keep-calling-rejected  keeps calling a tenant after it answered 403
  duplicates-on-rerun    writes every appointment twice on a second run
  store-token            keeps the access token in a file in state_dir
  token-in-output        adds an "auth" field holding the token to every output line
  inclusive-end          asks for date=le<end> (treats the exclusive end as inclusive)
  extra-day              asks for one day more than the window
  local-time             reads the window's dates at -05:00 instead of UTC
  trust-any-token-url    signs in at whatever token URL the metadata names
  follow-cycles          follows a next link to a page it has already fetched
  no-page-cap            follows next links without any limit
  busy-retry             retries a 429 after Retry-After seconds, even 0, and never gives up
  follow-other-tenant    follows a next link anywhere on the same origin
  read-whole-body        reads a page whole, however large
  xml-accept             asks for application/fhir+xml, which neither version serves
  dstu2-only             never reads fhirVersion: speaks DSTU2 (media type, date search) to any base
  silent-failures        logs "syncing tenant <id>" but never says which tenant failed (v1)
  v2-summary             also prints the contract v2 summary (each tenant's outcome and reason)
  v2-all-synced          prints a v2 summary that calls every tenant synced, whatever happened
  retry-malformed        retries a page whose 200 body is not JSON (up to 3 times)
  write-new-only         on a re-run, never rewrites an appointment an earlier run wrote
  no-client-filter       stores whatever the date search returns (R4 matches by overlap)
  retoken-forever        answers every 401 with another token (up to 50)
  forget-deferral        keeps no deferral between runs
  delta-only-retry-after reads Retry-After as delta-seconds only (an HTTP-date becomes 1 s)
  fixed-wait             sleeps 2 s after a 429, whatever Retry-After says
  other-version          reads the other FHIR version's base than the job names
  follow-redirects       follows a 3xx anywhere, token and all (urllib's default)
  skip-malformed         skips a page whose 200 body is not JSON and carries on as synced
  no-backoff             retries a 5xx answer or a reset at once, without waiting
  no-read-timeout        sets no timeout at all: waits on a stalled or dribbling body forever
  read-timeout-only      times out a read that waits 5 s for a byte, but has no total timeout
  parallel-requests      fires 4 requests for a tenant's first page at once, then syncs
  ignore-granted-scope   never reads the token answer's scope: searches where Appointment is not granted
  retry-sign-in          asks for a token again and again (5 times) when the sign-in is refused
  vague-refusal          reports a refused sign-in without saying why (no error code)
  ignore-capabilities    never reads which searches a tenant's metadata offers
  metadata-once          reads the first tenant's metadata only and assumes it for every tenant
  follow-references      reads every participant an appointment names (dangling ones too)
  strict-shape           crashes on an appointment without minutesDuration
  normalize              stores appointments without their extensions
  no-vanish              never reports a row vanished (the v2 summary counts vanished = 0)
  update-everything      on a re-run, counts every row it sees again as updated
  good                   no flaw

The good mode also reads the granted scope (a tenant that grants no Appointment read is
reported, never searched), reads each tenant's own metadata for the Appointment search it offers
(location and the date parameter), names the token endpoint's error code when it refuses, and
stores each appointment as served.

A base's version comes from its metadata's fhirVersion (1.0.2 DSTU2, 4.0.1 R4): on R4 the client
asks for application/fhir+json and searches -date-or-req-period (R4's date leaves out proposed
appointments).

The good mode also gives every request a total timeout (the job's limits.request_timeout_seconds,
5 s by default) besides a 5 s read timeout, keeps the window on the appointment's start client-side, fails a tenant
whose fresh token is rejected too, reads Retry-After as delta-seconds or an HTTP-date, and
remembers a deferral in state_dir until it expires.

The good mode (and no-vanish, update-everything) ends with the contract v2 summary: each tenant's
outcome and reason, and its row counts: inserted (first stored), updated (a new versionId), unchanged,
and vanished (stored by an earlier run, starting inside the window, no longer returned by a complete
sync; remembered in state_dir so it is counted once).

Standard library only. Exit codes follow the contract: 0 all tenants synced, 1 some failed.
"""
import base64
import datetime
import email.utils
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

MODE = sys.argv[1] if len(sys.argv) > 1 else "good"
JOB = json.load(open(os.environ["HARNESS_JOB"]))
STATE = os.path.join(JOB["state_dir"], "runs")


DEFERRED = os.path.join(JOB["state_dir"], "deferred.json")
WINDOW_MODES = ("inclusive-end", "extra-day", "local-time", "no-client-filter")
MAX_BODY = 64 * 1024 * 1024
MAX_PAGES = int(JOB.get("limits", {}).get("max_pages", 10000))
REQUEST_TIMEOUT = float(JOB.get("limits", {}).get("request_timeout_seconds", 5))
PARALLEL = 4


class TooLarge(Exception):
    pass


def read_body(response, deadline):
    if MODE == "read-whole-body":
        return response.read()
    chunks, size = [], 0
    while True:
        chunk = response.read1(64 * 1024)
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"no whole answer within {REQUEST_TIMEOUT} s")
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge(f"a response larger than {MAX_BODY} bytes")
        chunks.append(chunk)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer like any other: never followed (it could lead the token elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener() if MODE == "follow-redirects" else urllib.request.build_opener(NoRedirect)


def call(method, url, headers=None, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    timeout = None if MODE == "no-read-timeout" else 5
    total = MODE not in ("no-read-timeout", "read-timeout-only")
    deadline = time.monotonic() + REQUEST_TIMEOUT if total else None
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, lower(response.headers), read_body(response, deadline)
    except urllib.error.HTTPError as error:
        return error.code, lower(error.headers), error.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, {}, b""  # a reset connection: retried like a 5xx


def lower(headers):
    return {name.lower(): value for name, value in headers.items()}


def origin(url):
    parts = urllib.parse.urlsplit(url)
    return (parts.scheme, parts.netloc)


R4 = "4.0.1"


FIRST_METADATA = {}


def discover(base):
    """The token URL, the FHIR version and the statement the base's metadata names."""
    if MODE == "metadata-once" and FIRST_METADATA:
        first_base, statement = FIRST_METADATA["base"], FIRST_METADATA["statement"]
        tenant, first_tenant = base.rstrip("/").rsplit("/", 1)[1], first_base.rstrip("/").rsplit("/", 1)[1]
        statement = json.loads(json.dumps(statement).replace(first_tenant, tenant))
    else:
        _, _, body = call("GET", base + "metadata", {"Accept": "application/json"})
        statement = json.loads(body)
        FIRST_METADATA.setdefault("base", base)
        FIRST_METADATA.setdefault("statement", statement)
    version = "1.0.2" if MODE == "dstu2-only" else statement.get("fhirVersion")
    if version not in ("1.0.2", R4):
        raise RuntimeError(f"unsupported fhirVersion {version!r}")
    for extension in statement["rest"][0]["security"]["extension"]:
        for item in extension.get("extension", []):
            if item["url"] == "token":
                url = item["valueUri"]
                if MODE != "trust-any-token-url" and origin(url) != origin(base):
                    raise RuntimeError(f"untrusted token URL on {origin(url)[1]}")
                return url, version, statement
    raise RuntimeError("no token URL")


def media_type(version):
    if MODE == "xml-accept":
        return "application/fhir+xml"
    return "application/fhir+json" if version == R4 else "application/json+fhir"


REFUSAL = {}
GRANTED = {}


def get_token(url):
    basic = base64.b64encode(f"{JOB['client_id']}:{JOB['client_secret']}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": JOB["scopes"]}).encode()
    headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
    for attempt in range(5 if MODE == "retry-sign-in" else 1):
        status, _, body = call("POST", url, headers, form)
        if status == 200:
            break
    if status != 200:
        try:
            REFUSAL["code"] = json.loads(body).get("error", "?")
        except (ValueError, AttributeError):
            REFUSAL["code"] = f"status {status}"
        return None
    answer = json.loads(body)
    GRANTED["scope"] = answer.get("scope")
    token = answer["access_token"]
    if MODE == "store-token":
        with open(os.path.join(JOB["state_dir"], "token-cache.json"), "w") as cache:
            json.dump({"access_token": token}, cache)
    return token


def window_query(version):
    start, end = JOB["window"]["start"], JOB["window"]["end"]
    date = "-date-or-req-period" if version == R4 else "date"
    if MODE == "inclusive-end":
        return [(date, "ge" + start), (date, "le" + end)]
    if MODE == "extra-day":
        day = datetime.date.fromisoformat(end) + datetime.timedelta(days=1)
        return [(date, "ge" + start), (date, "lt" + day.isoformat())]
    if MODE == "local-time":
        return [(date, "ge" + start + "T00:00:00-05:00"), (date, "lt" + end + "T00:00:00-05:00")]
    return [(date, "ge" + start), (date, "lt" + end)]


OUTCOMES = {}


def report(tenant, outcome, message):
    """A tenant that was not synced: said in the log (v1) and kept for the v2 summary."""
    OUTCOMES[tenant["id"]] = (outcome, message)
    if MODE != "silent-failures":
        print(f"tenant {tenant['id']} {outcome}: {message}", file=sys.stderr)
    return False


def retry_after_seconds(value):
    """Seconds a Retry-After asks for: delta-seconds or an HTTP-date."""
    if MODE == "fixed-wait":
        return 2.0
    try:
        return float(value)
    except ValueError:
        pass
    if MODE == "delta-only-retry-after":
        return 1.0
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return 1.0


def deferrals():
    if MODE == "forget-deferral" or not os.path.exists(DEFERRED):
        return {}
    return json.load(open(DEFERRED))


def defer(tenant, seconds):
    known = deferrals()
    known[tenant["id"]] = time.time() + seconds
    json.dump(known, open(DEFERRED, "w"))


def in_window(resource):
    if MODE in WINDOW_MODES:
        return True
    start = resource.get("start")
    if not start:
        return False
    when = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    utc = datetime.timezone.utc
    low = datetime.datetime.fromisoformat(JOB["window"]["start"]).replace(tzinfo=utc)
    high = datetime.datetime.fromisoformat(JOB["window"]["end"]).replace(tzinfo=utc)
    return low <= when < high


def other_version(base):
    if "/dstu2/" in base:
        return base.replace("/dstu2/", "/r4/")
    return base.replace("/r4/", "/dstu2/")


def fan_out(url, headers):
    """PARALLEL requests for the same page at once (answers ignored): more than a cap allows."""
    start = threading.Barrier(PARALLEL)

    def one():
        start.wait()
        call("GET", url, headers)

    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


COUNTS = {}
VANISHED = os.path.join(JOB["state_dir"], "vanished.json")


def count(tenant, seen, view, resource):
    """Counts a row the run wrote, against the view earlier runs left (once per id and run)."""
    counts = COUNTS.setdefault(tenant["id"], {"inserted": 0, "updated": 0, "unchanged": 0, "vanished": 0})
    key = (tenant["id"], resource.get("id"))
    if key in seen:
        return
    seen.add(key)
    before = view.get(key)
    if before is None:
        counts["inserted"] += 1
    elif MODE == "update-everything" or before.get("meta", {}).get("versionId") != resource.get("meta", {}).get("versionId"):
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def mark_vanished(tenant, seen, view):
    """After a complete sync: rows stored before, inside the window, that it no longer returned."""
    counts = COUNTS.setdefault(tenant["id"], {"inserted": 0, "updated": 0, "unchanged": 0, "vanished": 0})
    if MODE == "no-vanish":
        return
    known = json.load(open(VANISHED)) if os.path.exists(VANISHED) else []
    for key, resource in view.items():
        name = f"{key[0]}/{key[1]}"
        if key[0] == tenant["id"] and key not in seen and name not in known and in_window(resource):
            known.append(name)
            counts["vanished"] += 1
    json.dump(known, open(VANISHED, "w"))


def sync(tenant, run, output, view):
    base = tenant["fhir_base"]
    if MODE == "other-version":
        base = other_version(base)
    print(f"syncing tenant {tenant['id']}", file=sys.stderr)
    until = deferrals().get(tenant["id"], 0)
    if until > time.time():
        return report(tenant, "deferred", f"an earlier run was asked to wait until {until:.0f}")
    url_for_token, version, statement = discover(base)
    date = "-date-or-req-period" if version == R4 else "date"
    if MODE not in ("ignore-capabilities", "metadata-once"):
        offered = [r for r in statement.get("rest", [{}])[0].get("resource", []) if r.get("type") == "Appointment"]
        names = [p.get("name") for r in offered for p in r.get("searchParam", [])]
        if "resource" in statement.get("rest", [{}])[0] and not ("location" in names and date in names):
            return report(tenant, "failed", f"its metadata offers no Appointment search by location and {date}")
    if MODE == "print-secret":
        print(f"signing in to {url_for_token} with secret {JOB['client_secret']}", file=sys.stderr)
    token = get_token(url_for_token)
    if token is None:
        why = "" if MODE == "vague-refusal" else f" ({REFUSAL.get('code')})"
        return report(tenant, "rejected", "the token endpoint refused the account" + why)
    scope = GRANTED.get("scope")
    if MODE != "ignore-granted-scope" and isinstance(scope, str) and "system/Appointment.read" not in scope.split():
        return report(tenant, "rejected", f"the granted scope {scope!r} lacks system/Appointment.read")
    query = [("location", ",".join(tenant["locations"]))] + window_query(version) + [("_count", "50")]
    first = base + "Appointment?" + urllib.parse.urlencode(query)
    if MODE == "parallel-requests":
        fan_out(first, {"Authorization": "Bearer " + token, "Accept": media_type(version)})
    url, page, forbidden, waits, fetched, malformed = first, 1, 0, 0, set(), 0
    unauthorized, tokens, failed_calls = 0, 1, 0
    seen = set()
    while url:
        if url in fetched and MODE != "follow-cycles":
            return report(tenant, "failed", f"paging cycle at {url}")
        if len(fetched) >= MAX_PAGES and MODE != "no-page-cap":
            return report(tenant, "failed", f"more than {MAX_PAGES} pages")
        if MODE == "token-per-request":
            token = get_token(url_for_token)
        status, headers, body = call("GET", url, {"Authorization": "Bearer " + token,
                                                  "Accept": media_type(version)})
        if status == 429:
            asked = retry_after_seconds(headers.get("retry-after", "1"))
            wait = 0.1 if MODE == "ignore-retry-after" else asked if MODE == "busy-retry" else max(asked, 1.0)
            waits += 1
            if wait > 300 or (waits > 5 and MODE != "busy-retry"):
                if wait > 300:
                    defer(tenant, wait)
                return report(tenant, "deferred", f"Retry-After {asked}, {waits} waits")
            time.sleep(wait)
            continue
        waits = 0
        if status == 401:
            if unauthorized >= (50 if MODE == "retoken-forever" else 1):
                return report(tenant, "failed", f"the server rejected {tokens} fresh token(s)")
            token = get_token(url_for_token)
            unauthorized, tokens = unauthorized + 1, tokens + 1
            if token is None:
                return report(tenant, "rejected", "the token endpoint refused the account")
            continue
        unauthorized = 0
        if status == 403:
            forbidden += 1
            if MODE == "keep-calling-rejected" and forbidden < 4:
                continue
            return report(tenant, "rejected", f"the server answered {status}")
        if status >= 500 or status == 0:
            failed_calls += 1
            if failed_calls > 10:
                return report(tenant, "failed", f"the server answered {status} {failed_calls} times")
            if MODE != "no-backoff":
                time.sleep(0.2)
            continue
        if status != 200:
            return report(tenant, "failed", f"the server answered {status}")
        try:
            bundle = json.loads(body)
        except ValueError:
            if MODE == "retry-malformed" and malformed < 3:
                malformed += 1
                continue
            if MODE == "skip-malformed":
                url = None
                continue
            return report(tenant, "failed", "a page is not JSON")
        fetched.add(url)
        for entry in bundle.get("entry", []):
            if not in_window(entry["resource"]):
                continue
            if MODE == "strict-shape":
                int(entry["resource"]["minutesDuration"])
            if MODE == "normalize":
                entry["resource"].pop("extension", None)
            if MODE == "follow-references":
                for participant in entry["resource"].get("participant", []):
                    reference = participant.get("actor", {}).get("reference")
                    if reference and not reference.startswith("Location/"):
                        call("GET", base + reference, {"Authorization": "Bearer " + token,
                                                       "Accept": media_type(version)})
            key = (tenant["id"], entry["resource"].get("id"))
            if MODE == "write-new-only" and key in view:
                continue
            count(tenant, seen, view, entry["resource"])
            record = {"tenant": tenant["id"], "resource": entry["resource"]}
            if MODE == "token-in-output":
                record["auth"] = "Bearer " + token
            line = json.dumps(record)
            output.write(line + "\n")
            if MODE == "duplicates-on-rerun" and run > 1:
                output.write(line + "\n")
        links = {link["relation"]: link["url"] for link in bundle.get("link", [])}
        if MODE == "build-pages":
            page += 1
            url = first + f"&page={page}" if "next" in links else None
            continue
        url = links.get("next")
        allowed = {"foreign-next": "", "follow-other-tenant": "%s://%s/" % origin(base)}.get(MODE, base)
        if url and not url.startswith(allowed):
            return report(tenant, "failed", "refused a next link outside its FHIR base")
    mark_vanished(tenant, seen, view)
    return True


def main():
    os.makedirs(JOB["state_dir"], exist_ok=True)
    run = 1 + (int(open(STATE).read()) if os.path.exists(STATE) else 0)
    open(STATE, "w").write(str(run))
    ok = True
    view = {}
    if os.path.exists(JOB["output"]):
        for line in open(JOB["output"]):
            try:
                record = json.loads(line)
                view[(record["tenant"], record["resource"]["id"])] = record["resource"]
            except (ValueError, KeyError, AttributeError):
                pass
    with open(JOB["output"], "a") as output:
        for tenant in JOB["tenants"]:
            try:
                ok = sync(tenant, run, output, view) and ok
            except (OSError, ValueError, KeyError, RuntimeError, TooLarge) as error:
                ok = report(tenant, "failed", str(error))
    if MODE in ("v2-summary", "v2-all-synced", "good", "no-vanish", "update-everything"):
        tenants = []
        for tenant in JOB["tenants"]:
            outcome, reason = OUTCOMES.get(tenant["id"], ("synced", None))
            if MODE == "v2-all-synced":
                outcome, reason = "synced", None
            tenants.append({"tenant": tenant["id"], "outcome": outcome, "reason": reason, **COUNTS.get(tenant["id"], {})})
        print(json.dumps({"tenants": tenants}))
    sys.exit(0 if ok else 1)


main()
