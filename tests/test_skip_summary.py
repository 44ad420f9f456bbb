from tests.helpers import skip_summary


def test_skips_are_summed_up_by_what_they_need():
    reasons = [
        "Skipped: no PostgreSQL server (CALLINTEL_TEST_POSTGRES_URL unset; .ci/services.sh sets one up)"
    ] * 3 + [
        "Skipped: no /usr/bin/chromium (apt-get install chromium)",
        "Skipped: something else entirely",
        "Skipped: PostgreSQL plans it another way",  # names PostgreSQL, but a server is there
    ]
    assert skip_summary(reasons) == [
        "skipped 3 tests: no PostgreSQL server; to run them: `make services` (root: installs and starts "
        "PostgreSQL, Redis, Chromium), then `make test`",
        "skipped 1 test: no Debian's Chromium; to run them: `make services`, then `make test`",
        "skipped 1 test: something else entirely",
        "skipped 1 test: PostgreSQL plans it another way",
    ]
    assert skip_summary([]) == []
