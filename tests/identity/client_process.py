"""One of the processes of tests/identity/test_two_processes.py: Django in a process of its own
(as one gunicorn worker is), on the database and cache its environment names, sending requests
through Django's test client from one client address.

    python -m tests.identity.client_process GO_FILE ACTION [ACTION ...]

It waits until GO_FILE exists, so that the processes start together, then runs each action:
``public-form:N`` (N posts of the public form), ``login:USERNAME:PASSWORD:N`` (N sign-ins), and
prints one JSON list of outcomes per action: "limited" or "open" for the form, the status code
for a sign-in.
"""

import json
import os
import sys
import time
from pathlib import Path

ADDRESS = "198.51.100.50"
LIMITED = "Too many messages have been sent from here."


def main(go_file, *actions):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    client = Client(REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="en")
    deadline = time.monotonic() + 60
    while not Path(go_file).exists():
        if time.monotonic() > deadline:
            sys.exit("the go file never appeared")
        time.sleep(0.02)
    results = []
    for action in actions:
        kind, *arguments = action.split(":")
        if kind == "public-form":
            answers = [client.post("/feedback/", {}) for _ in range(int(arguments[0]))]
            results.append(
                ["limited" if LIMITED in answer.content.decode() else "open" for answer in answers]
            )
        elif kind == "login":
            username, password, count = arguments
            results.append(
                [
                    client.post("/accounts/login/", {"username": username, "password": password}).status_code
                    for _ in range(int(count))
                ]
            )
        else:
            sys.exit(f"unknown action {action!r}")
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:])
