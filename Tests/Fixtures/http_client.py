#!/usr/bin/env python3
"""An HTTP client for the serve API tests: what one Swift test cannot do easily itself.

  http_client.py burst URL TOKEN N       N POSTs at once (threads); prints the JSON list of
                                         [status, body] in completion order
  http_client.py connections URL TOKEN N N GETs of URL at once, each on a connection of its own
                                         (threads); prints {"STATUS": count}
  http_client.py load URL TOKEN RPS SECONDS PATH...
                                         GETs the paths round-robin at RPS for SECONDS;
                                         prints {"sent", "ok", "errors", "statuses"}
"""
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request


def request(url, token, method="GET", body=None):
    req = urllib.request.Request(url, data=body, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if method != "GET":
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except Exception as error:  # noqa: BLE001 - reported to the test as status 0
        return 0, str(error)


def at_once(n, body):
    """Runs body() on n threads released together; returns their results."""
    results, lock = [], threading.Lock()
    start = threading.Barrier(n)

    def one():
        start.wait()
        result = body()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def burst(url, token, n):
    print(json.dumps(at_once(n, lambda: request(url, token, "POST", b""))))


def connections(url, token, n):
    counts = {}
    for status, _ in at_once(n, lambda: request(url, token)):
        counts[str(status)] = counts.get(str(status), 0) + 1
    print(json.dumps(counts))


def load(url, token, rps, seconds, paths):
    counts = {"sent": 0, "ok": 0, "errors": 0, "statuses": {}}
    lock = threading.Lock()
    end = time.time() + seconds
    interval = 1.0 / rps
    i = 0

    def one(path):
        status, _ = request(url + path, token)
        with lock:
            counts["statuses"][str(status)] = counts["statuses"].get(str(status), 0) + 1
            counts["ok" if status == 200 else "errors"] += 1

    threads = []
    next_at = time.time()
    while time.time() < end:
        t = threading.Thread(target=one, args=(paths[i % len(paths)],))
        t.start()
        threads.append(t)
        counts["sent"] += 1
        i += 1
        next_at += interval
        time.sleep(max(0, next_at - time.time()))
    for t in threads:
        t.join()
    print(json.dumps(counts))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "burst":
        burst(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "connections":
        connections(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "load":
        load(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6:])
    else:
        sys.exit("unknown mode " + mode)
