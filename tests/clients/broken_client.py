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
  good                   no flaw

Standard library only. Exit codes follow the contract: 0 all tenants synced, 1 some failed.
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

MODE = sys.argv[1] if len(sys.argv) > 1 else "good"
JOB = json.load(open(os.environ["HARNESS_JOB"]))
STATE = os.path.join(JOB["state_dir"], "runs")


def call(method, url, headers=None, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def token_url(base):
    status, _, body = call("GET", base + "metadata", {"Accept": "application/json+fhir"})
    conformance = json.loads(body)
    for extension in conformance["rest"][0]["security"]["extension"]:
        for item in extension.get("extension", []):
            if item["url"] == "token":
                return item["valueUri"]
    raise RuntimeError("no token URL")


def get_token(url):
    basic = base64.b64encode(f"{JOB['client_id']}:{JOB['client_secret']}".encode()).decode()
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": JOB["scopes"]}).encode()
    headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = call("POST", url, headers, form)
    if status != 200:
        return None
    return json.loads(body)["access_token"]


def sync(tenant, run, output):
    base = tenant["fhir_base"]
    url_for_token = token_url(base)
    if MODE == "print-secret":
        print(f"signing in to {url_for_token} with secret {JOB['client_secret']}", file=sys.stderr)
    token = get_token(url_for_token)
    if token is None:
        print(f"tenant {tenant['id']} refused the account", file=sys.stderr)
        return False
    query = [("location", ",".join(tenant["locations"])), ("date", "ge" + JOB["window"]["start"]),
             ("date", "lt" + JOB["window"]["end"]), ("_count", "50")]
    first = base + "Appointment?" + urllib.parse.urlencode(query)
    url, page, forbidden = first, 1, 0
    while url:
        if MODE == "token-per-request":
            token = get_token(url_for_token)
        status, headers, body = call("GET", url, {"Authorization": "Bearer " + token,
                                                  "Accept": "application/json+fhir"})
        if status == 429:
            wait = 0.1 if MODE == "ignore-retry-after" else float(headers.get("Retry-After", "1"))
            if wait > 300:
                print(f"tenant {tenant['id']} deferred: Retry-After {wait}", file=sys.stderr)
                return False
            time.sleep(wait)
            continue
        if status == 401:
            token = get_token(url_for_token)
            continue
        if status == 403:
            forbidden += 1
            if MODE == "keep-calling-rejected" and forbidden < 4:
                continue
            print(f"tenant {tenant['id']} rejected the account", file=sys.stderr)
            return False
        if status >= 500:
            time.sleep(0.2)
            continue
        if status != 200:
            print(f"tenant {tenant['id']} failed: {status}", file=sys.stderr)
            return False
        try:
            bundle = json.loads(body)
        except ValueError:
            print(f"tenant {tenant['id']}: a page is not JSON", file=sys.stderr)
            return False
        for entry in bundle.get("entry", []):
            line = json.dumps({"tenant": tenant["id"], "resource": entry["resource"]})
            output.write(line + "\n")
            if MODE == "duplicates-on-rerun" and run > 1:
                output.write(line + "\n")
        links = {link["relation"]: link["url"] for link in bundle.get("link", [])}
        if MODE == "build-pages":
            page += 1
            url = first + f"&page={page}" if "next" in links else None
            continue
        url = links.get("next")
        if url and not MODE == "foreign-next" and not url.startswith(base.split("/dstu2/")[0]):
            print(f"tenant {tenant['id']}: refused a next link to another origin", file=sys.stderr)
            return False
    return True


def main():
    os.makedirs(JOB["state_dir"], exist_ok=True)
    run = 1 + (int(open(STATE).read()) if os.path.exists(STATE) else 0)
    open(STATE, "w").write(str(run))
    ok = True
    with open(JOB["output"], "a") as output:
        for tenant in JOB["tenants"]:
            try:
                ok = sync(tenant, run, output) and ok
            except (OSError, ValueError, KeyError, RuntimeError) as error:
                print(f"tenant {tenant['id']} failed: {error}", file=sys.stderr)
                ok = False
    sys.exit(0 if ok else 1)


main()
