"""Alarms (archive/alarms.py) delivered to real local targets: a command, an HTTP receiver and an SMTP server
(aiosmtpd) on 127.0.0.1; and their failures: a receiver answering 500, an SMTP server refusing, a command
exiting 1, a port nobody listens on."""

from __future__ import annotations

import json
import socket
import sys
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from archive import alarms, health
from archive.config import AlarmTargets, SMTPTarget
from archive.health import Finding
from archive.index import Index
from support import WebhookReceiver

AUTHORS = Finding("kyodo", "missing_authors", "kyodo: authors missing on 25 of 25 articles, 3 of 60 in the last 10 runs",
                  1.0, 0.05)
FEED = Finding("kyodo", "discovery", "kyodo: feed failed on 1 of 1 requests (read in 3 of the last 3 runs)", 1.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages, self.refuse = [], False

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse:
            return "550 5.7.1 relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def receiver():
    r = WebhookReceiver("/hook")
    yield r
    r.close()


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    mailbox.port, mailbox.logins = controller.port, logins
    yield mailbox
    controller.stop()


@pytest.fixture
def conn(tmp_path):
    index = Index(tmp_path / "index.db")
    yield index.conn
    index.close()


def crawl(conn, crawl_id, findings=(), status=None, kind="crawl", site="kyodo"):
    status = status or ("degraded" if findings else "finished")
    conn.execute("INSERT INTO crawls (id, sites, started, status, kind) VALUES (?, ?, ?, ?, ?)",
                 [crawl_id, site, f"2026-07-01T{crawl_id[-2:]}:00:00+00:00", status, kind])
    health.record(conn, crawl_id, list(findings), f"t{crawl_id}")
    return crawl_id


def targets(tmp_path, receiver=None, smtp=None, command_exit=0, **smtp_options):
    out = tmp_path / "command-stdin.json"
    script = f"import sys; open({str(out)!r}, 'a').write(sys.stdin.read() + '\\n'); sys.exit({command_exit})"
    return out, AlarmTargets(
        command=[sys.executable, "-c", script],
        webhook=receiver.url if receiver else None,
        smtp=SMTPTarget(host="127.0.0.1", port=smtp.port, sender="newsarchive@example.org",
                        to=["archivist@example.org"], **smtp_options) if smtp else None)


def test_one_alarm_per_problem_and_a_recovery_to_every_target(conn, tmp_path, receiver, smtp):
    stdin, config = targets(tmp_path, receiver, smtp)
    first = alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert [f.check for f in first.raised] == ["missing_authors"] and not first.failures
    assert first.delivered == {"command": 1, "webhook": 1, "smtp": 1}
    again = alarms.notify(conn, crawl(conn, "c02", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t2")
    assert again.raised == [] and again.delivered == {}  # one alarm while it lasts
    clear = alarms.notify(conn, crawl(conn, "c03"), ["kyodo"], [], config, "t3")
    assert [c["check_name"] for c in clear.cleared] == ["missing_authors"]

    raised = {"event": "raised", "site": "kyodo", "check": "missing_authors", "message": AUTHORS.message,
              "crawl_id": "c01", "value": 1.0, "baseline": 0.05, "opened": "t1", "cleared": None}
    cleared = {**raised, "event": "cleared", "message": "cleared: " + AUTHORS.message, "crawl_id": "c03",
               "cleared": "t3"}
    expected = [{"source": "newsarchive", "crawl_id": "c01", "events": [raised]},
                {"source": "newsarchive", "crawl_id": "c03", "events": [cleared]}]
    assert [json.loads(line) for line in stdin.read_text().splitlines()] == expected
    assert receiver.posts == [("application/json", p) for p in expected]
    assert [(m[0], m[1], m[2]["Subject"]) for m in smtp.messages] == [
        ("newsarchive@example.org", ["archivist@example.org"], "newsarchive: raised kyodo missing_authors"),
        ("newsarchive@example.org", ["archivist@example.org"], "newsarchive: cleared kyodo missing_authors")]
    body = smtp.messages[0][2].get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("RAISED " + AUTHORS.message + "\n\n{")
    row = conn.execute("SELECT opened, opened_by, cleared, cleared_by, deliveries FROM alarms").fetchall()
    assert len(row) == 1 and tuple(row[0])[:4] == ("t1", "c01", "t3", "c03")
    assert [(d["event"], d["target"], d["ok"]) for d in json.loads(row[0][4])] == [
        (e, t, True) for e in ("raised", "cleared") for t in ("command", "webhook", "smtp")]


def test_failed_deliveries_are_recorded_and_retried_at_the_next_crawl(conn, tmp_path, receiver, smtp, caplog):
    stdin, config = targets(tmp_path, receiver, smtp, command_exit=1)
    receiver.status, smtp.refuse = 500, True
    outcome = alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert outcome.delivered == {}
    assert [line.split(":")[0] for line in outcome.failures] == [
        "alarm delivery to command failed (1 event(s), retried at the next crawl)",
        "alarm delivery to webhook failed (1 event(s), retried at the next crawl)",
        "alarm delivery to smtp failed (1 event(s), retried at the next crawl)"]
    assert "exited 1" in outcome.failures[0] and f"{receiver.url} answered HTTP 500" in outcome.failures[1]
    assert "relaying denied" in outcome.failures[2]
    assert [r.getMessage() for r in caplog.records if r.name == "archive.alarms"] == outcome.failures

    # the targets mend; the next crawl (which also finds the feed failing) delivers both
    _, config = targets(tmp_path, receiver, smtp)
    receiver.status, smtp.refuse = 200, False
    outcome = alarms.notify(conn, crawl(conn, "c02", [AUTHORS, FEED]), ["kyodo"], [AUTHORS, FEED], config, "t2")
    assert outcome.failures == [] and outcome.delivered == {"command": 2, "webhook": 2, "smtp": 2}
    assert [[e["check"] for e in body["events"]] for _, body in receiver.posts] == [
        ["missing_authors"], ["missing_authors", "discovery"]]
    assert smtp.messages[-1][2]["Subject"] == "newsarchive: 2 alarm events (kyodo)"
    # delivered once: nothing more to retry
    assert alarms.notify(conn, crawl(conn, "c03", [AUTHORS, FEED]), ["kyodo"], [AUTHORS, FEED], config,
                         "t3").delivered == {}


def test_unreachable_targets_never_fail_the_crawl(conn, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/hook"
    config = AlarmTargets(command=[str(tmp_path / "no-such-program")], webhook=dead,
                          smtp=SMTPTarget(host="127.0.0.1", port=free_port(), sender="a@example.org", to=["b@example.org"]))
    outcome = alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert len(outcome.failures) == 3 and outcome.delivered == {}
    assert "FileNotFoundError" in outcome.failures[0]
    assert "URLError" in outcome.failures[1] and "ConnectionRefusedError" in outcome.failures[2]


def test_attempts_stop_after_max(conn, tmp_path):
    config = AlarmTargets(webhook=f"http://127.0.0.1:{free_port()}/hook")
    for i in range(1, alarms.MAX_ATTEMPTS + 3):
        alarms.notify(conn, crawl(conn, f"c{i:02d}", [AUTHORS]), ["kyodo"], [AUTHORS], config, f"t{i}")
    deliveries = json.loads(conn.execute("SELECT deliveries FROM alarms").fetchone()[0])
    assert len(deliveries) == alarms.MAX_ATTEMPTS and not any(d["ok"] for d in deliveries)


def test_smtp_login_with_the_password_from_the_environment(conn, tmp_path, smtp, monkeypatch):
    _, config = targets(tmp_path, smtp=smtp, username="newsarchive", password_env="TEST_SMTP_PASSWORD")
    config.command = None
    missing = alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert missing.failures == ["alarm delivery to smtp failed (1 event(s), retried at the next crawl): "
                                "RuntimeError: SMTP login needs the password in $TEST_SMTP_PASSWORD"]
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    assert alarms.notify(conn, crawl(conn, "c02", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t2").delivered == {"smtp": 1}
    assert smtp.logins == [(b"newsarchive", b"s3cret")] and len(smtp.messages) == 1


def test_starttls_asked_of_a_server_without_it_fails_the_delivery(conn, tmp_path, smtp):
    _, config = targets(tmp_path, smtp=smtp, starttls=True)
    config.command = None
    outcome = alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert len(outcome.failures) == 1 and "STARTTLS" in outcome.failures[0] and smtp.messages == []


def test_only_completed_crawls_of_the_same_kind_clear(conn, tmp_path, receiver):
    config = AlarmTargets(webhook=receiver.url)
    alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    assert alarms.notify(conn, crawl(conn, "c02", kind="canary"), ["kyodo"], [], config, "t2").cleared == []
    assert alarms.notify(conn, crawl(conn, "c03", status="failed"), ["kyodo"], [], config, "t3").cleared == []
    assert alarms.notify(conn, crawl(conn, "c04", site="inakoran"), ["inakoran"], [], config, "t4").cleared == []
    assert [a["check_name"] for a in alarms.open_alarms(conn)] == ["missing_authors"]
    assert len(alarms.notify(conn, crawl(conn, "c05"), ["kyodo"], [], config, "t5").cleared) == 1
    assert alarms.open_alarms(conn) == []


def test_a_crawl_that_could_not_judge_a_check_does_not_clear_its_alarm(conn, tmp_path, receiver):
    config = AlarmTargets(webhook=receiver.url)
    alarms.notify(conn, crawl(conn, "c01", [AUTHORS]), ["kyodo"], [AUTHORS], config, "t1")
    unsure = alarms.notify(conn, crawl(conn, "c02"), ["kyodo"], [], config, "t2",
                           unsettled={("kyodo", "missing_authors")})
    assert unsure.cleared == [] and [a["check_name"] for a in alarms.open_alarms(conn)] == ["missing_authors"]
    assert len(alarms.notify(conn, crawl(conn, "c03"), ["kyodo"], [], config, "t3").cleared) == 1
