"""Account-data files (accounts, contacts, invoices, commercial events, surveys as CSV or JSONL): the type told by
the columns, each bad row one line naming the file, row and field (skipped, the rest stored), re-runs that store
nothing new, survey comments as tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest import IngestDefaults, ingest_file, read_source
from ingest.accounts import record_type
from models.store import Store
from risk.history import load_history

ACCOUNTS = """customer_id,name,owner,plan,arr,currency,start_date,renewal_date,segment,status,status_date,status_reason
acme,Acme Corp,dana,enterprise,48000,USD,2024-02-01,2027-01-31,enterprise,active,,
globex,Globex,sam,team,12000,EUR,2025-05-01,2026-12-01,smb,Cancel requested,2026-10-20,moving to Gong
initech,Initech,sam,team,lots,USD,,,,,,
"""
CONTACTS = """customer_id,email,name,role
acme,ann@acme.com,Ann Lee,decision_maker
acme,bob@acme.com,Bob,Admin
globex,cy@globex.com,Cy,ceo
"""
INVOICES = """customer_id,invoice_id,issued_at,due_at,paid_at,amount,failed_attempts
acme,INV-1,2026-09-01,2026-10-01,2026-09-20,4000,0
acme,INV-2,2026-10-01,2026-13-01,,4000,1
globex,INV-9,2026-09-01,2026-09-30,,1000,2,extra
"""
COMMERCIAL = """customer_id,kind,occurred_at,amount,seats_before,seats_after,note
acme,renewal,2026-01-31,48000,,,
acme,seat_change,2026-06-01,,20,12,downgrade
globex,seat_change,2026-06-01,,,,
"""
SURVEYS = [
    '{"customer_id": "acme", "kind": "nps", "score": 3, "responded_at": "2026-10-10T10:00:00Z", '
    '"respondent": "ann@acme.com", "comment": "Please cancel our subscription, we are moving to Gong."}',
    '{"customer_id": "acme", "kind": "nps", "score": 11, "responded_at": "2026-10-11T10:00:00Z"}',
    '{"customer_id": "globex", "kind": "csat", "score": 4, "responded_at": "2026-10-12"}',
    "{not json",
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "crm"
    root.mkdir()
    (root / "accounts.csv").write_text(ACCOUNTS)
    (root / "contacts.csv").write_text(CONTACTS)
    (root / "invoices.csv").write_text(INVOICES)
    (root / "commercial.csv").write_text(COMMERCIAL)
    (root / "surveys.jsonl").write_text("\n".join(SURVEYS) + "\n")
    return root


@pytest.mark.parametrize(
    ("fields", "kinds", "expected"),
    [
        ({"customer_id", "owner", "arr"}, (), "account"),
        ({"customer_id", "email", "role"}, (), "contact"),
        ({"customer_id", "invoice_id", "due_at"}, (), "invoice"),
        ({"customer_id", "kind", "occurred_at", "amount"}, ("renewal",), "commercial"),
        ({"customer_id", "kind", "score", "responded_at"}, ("nps",), "survey"),
        # usage events stay usage events, with user, role or amount properties
        ({"customer_id", "kind", "occurred_at", "user", "role"}, ("login",), None),
        ({"customer_id", "kind", "occurred_at", "amount"}, ("feature_used",), None),
        ({"customer_id", "kind", "occurred_at", "plan"}, ("login",), None),
    ],
)
def test_the_type_is_told_by_the_columns(fields, kinds, expected):
    assert record_type(fields, kinds) == expected


def test_each_bad_row_is_one_problem_naming_the_file_row_and_field(folder: Path):
    problems = {
        name: [str(p) for p in read_source(folder / name).problems]
        for name in (
            "accounts.csv",
            "contacts.csv",
            "invoices.csv",
            "commercial.csv",
            "surveys.jsonl",
        )
    }
    assert problems == {
        "accounts.csv": [
            f"{folder}/accounts.csv: row 4: arr: input should be a valid number, unable to parse string as a "
            'number (got "lots")'
        ],
        "contacts.csv": [
            f'{folder}/contacts.csv: row 4: role: unknown value "ceo" '
            "(expected 'decision_maker', 'admin', 'champion' or 'user')"
        ],
        "invoices.csv": [
            f'{folder}/invoices.csv: row 3: due_at: invalid date "2026-13-01"',
            f"{folder}/invoices.csv: row 4: more fields than the header has",
        ],
        "commercial.csv": [
            f"{folder}/commercial.csv: row 4: seats_before: a seat_change needs seats_before and seats_after"
        ],
        "surveys.jsonl": [
            f"{folder}/surveys.jsonl: line 2: score: a nps score is 0-10; got 11",
            f"{folder}/surveys.jsonl: malformed JSON on line 4: Expecting property name enclosed in double "
            "quotes",
        ],
    }


def test_aliases_and_role_words_are_read(folder: Path):
    parsed = read_source(folder / "contacts.csv")
    assert [(c.user, c.role) for c in parsed.contacts] == [
        ("ann@acme.com", "decision_maker"),
        ("bob@acme.com", "admin"),
    ]
    accounts = read_source(folder / "accounts.csv").accounts
    globex = next(a for a in accounts if a.customer_id == "globex")
    assert globex.status == "cancel_requested"
    assert globex.status_at == datetime(2026, 10, 20, tzinfo=UTC)


@pytest.mark.both_backends
def test_the_good_rows_are_stored_and_a_rerun_stores_nothing_new(folder: Path, store: Store):
    outcomes = [ingest_file(p, store, IngestDefaults()) for p in sorted(folder.iterdir())]
    assert all(o.error is None for o in outcomes)
    assert sum(len(o.problems) for o in outcomes) == 7
    assert sum((o.accounts for o in outcomes), type(outcomes[0].accounts)()).total() == 9
    acme = load_history(store, "acme")
    assert acme is not None and acme.account is not None and acme.account.owner == "dana"
    assert [i.invoice_id for i in acme.invoices] == ["INV-1"]
    assert [c.kind for c in acme.commercial] == ["renewal", "seat_change"]
    assert [s.score for s in acme.surveys] == [3]
    (ticket,) = acme.interactions
    assert ticket.kind == "ticket" and ticket.title == "NPS 3 survey response"
    again = [ingest_file(p, store, IngestDefaults()) for p in sorted(folder.iterdir())]
    assert [o.accounts.total() for o in again] == [0] * 5
    assert [o.created for o in again] == [[]] * 5


def test_a_survey_comment_is_a_customer_ticket_with_the_same_id_each_time(folder: Path):
    first = read_source(folder / "surveys.jsonl")
    (ticket,) = first.survey_tickets.values()
    assert ticket.transcript is not None
    (utterance,) = ticket.transcript.utterances
    assert utterance.speaker.role == "customer" and utterance.speaker.label == "ann@acme.com"
    assert utterance.text.startswith("Please cancel")
    assert first.account_batch().survey_links == {
        first.surveys[0].dedup_key(): ticket.interaction.id
    }
    (again,) = read_source(folder / "surveys.jsonl").survey_tickets.values()
    assert again.interaction.id == ticket.interaction.id


def test_the_command_line_customer_fills_a_missing_one(tmp_path: Path):
    path = tmp_path / "contacts.csv"
    path.write_text("user,role\nann,champion\n")
    (contact,) = read_source(path, IngestDefaults(customer_id="acme")).contacts
    assert contact.customer_id == "acme"
    (problem,) = read_source(path).problems
    assert "row 2: no customer_id" in str(problem)


def test_a_tickets_file_with_a_bad_line_still_fails_whole(tmp_path: Path):
    from models.errors import MalformedSource

    path = tmp_path / "usage.jsonl"
    path.write_text('{"customer_id": "a", "kind": "login", "occurred_at": "2026-10-01"}\n{oops\n')
    with pytest.raises(MalformedSource, match="line 2"):
        read_source(path)


def test_the_cli_reports_each_bad_row_on_one_line_and_exits_1(cli, folder: Path, db_url: str):
    run = cli("ingest", "--no-analyse", str(folder), "--database-url", db_url)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 7 and all(line.startswith(f"callintel: {folder}/") for line in lines)
    assert f'callintel: {folder}/invoices.csv: row 3: due_at: invalid date "2026-13-01"' in lines
    assert (
        "ingested 1 new interactions (0 already stored), 0 new usage events, 2 accounts, 2 contacts, "
        "1 invoices, 2 commercial events and 2 survey responses new or changed (7 bad rows skipped) "
        "from 5 of 5 files"
    ) in " ".join(run.stdout.split())
    again = cli("ingest", "--no-analyse", str(folder), "--database-url", db_url)
    assert "0 accounts, 0 contacts, 0 invoices" in " ".join(again.stdout.split())


def test_a_usage_export_with_user_and_role_columns_stays_usage(tmp_path: Path):
    path = tmp_path / "usage.csv"
    path.write_text(
        "customer_id,kind,occurred_at,user,role,feature\n"
        "acme,login,2026-10-01T08:00:00Z,ann@acme.com,admin,\n"
        "acme,feature_used,2026-10-01T08:05:00Z,ann@acme.com,admin,reports\n"
    )
    parsed = read_source(path)
    assert parsed.account_rows() == 0 and parsed.problems == []
    assert [e.properties for e in parsed.usage_events] == [
        {"user": "ann@acme.com", "role": "admin"},
        {"user": "ann@acme.com", "role": "admin", "feature": "reports"},
    ]


def test_one_jsonl_file_may_mix_tickets_usage_and_account_data(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"customer_id": "acme", "created_at": "2026-10-01", "body": "Where is my invoice?"}\n'
        '{"customer_id": "acme", "kind": "login", "occurred_at": "2026-10-01"}\n'
        '{"customer_id": "acme", "kind": "renewal", "occurred_at": "2026-10-01", "amount": 48000}\n'
        '{"customer_id": "acme", "user": "ann", "role": "champion"}\n'
    )
    parsed = read_source(path)
    assert (len(parsed.items), len(parsed.usage_events)) == (1, 1)
    assert ([c.kind for c in parsed.commercial], [c.user for c in parsed.contacts]) == (
        ["renewal"],
        ["ann"],
    )
