"""wsaconform diff: new failures first, then fixed, changed signatures, new and removed cases."""

import json

from report_fixture import make_run
from test_results import checks, line, write
from wsaconform import diff, report

HOSTILE = "<script>x</script>|*_"


def _case(cid, verdict="PASS", observed="997", build="Wine 8.0", statements=("BAD-1",)):
    record_checks = (checks(violated=[statements[0]], observed=observed, expected="10022",
                            check="WSAC_EXPECT_EQ(call.wsa_error, 10022)") if verdict == "FAIL"
                     else checks(held=list(statements)))
    suite_name = cid.split("/")[1]
    suite, name = suite_name.split(".")
    return line(id=cid, suite=suite, name=name, statements=list(statements), provider="winsock", build=build,
                verdict=verdict, checks=record_checks)


def _runs(tmp_path, new_build="Wine 8.0"):
    old = write(tmp_path / "old.jsonl",
                _case("F/B.Zero/Tcp4Event", "PASS"), _case("F/B.Zero/Tcp4Port", "PASS"),
                _case("F/B.Null/Tcp4Event", "FAIL"), _case("F/B.Null/Tcp4Port", "FAIL"),
                _case("F/B.Flags/Tcp4Event", "FAIL", observed="997"),
                _case("F/B.Same/Tcp4Event", "FAIL"),
                _case("F/B.Gone/Tcp4Event", "PASS"))
    new = write(tmp_path / "new.jsonl",
                _case("F/B.Zero/Tcp4Event", "FAIL", build=new_build), _case("F/B.Zero/Tcp4Port", "FAIL", build=new_build),
                _case("F/B.Null/Tcp4Event", "PASS", build=new_build), _case("F/B.Null/Tcp4Port", "PASS", build=new_build),
                _case("F/B.Flags/Tcp4Event", "FAIL", observed="10045", build=new_build),
                _case("F/B.Same/Tcp4Event", "FAIL", build=new_build),
                _case("F/B.Added/Tcp4Event", "PASS", build=new_build), _case("F/B.Added/Tcp4Port", "FAIL", build=new_build))
    return old, new


def test_sections_in_order_with_grouped_entries(tmp_path, capsys):
    old, new = _runs(tmp_path)
    assert diff.main([old, new]) == diff.EXIT_WORSE
    text = capsys.readouterr().out
    order = [text.index(title) for title in ("NEW FAILURES (3)", "FIXED (2)", "CHANGED SIGNATURE (1)", "NEW CASES (2)",
                                             "REMOVED CASES (1)")]
    assert order == sorted(order)
    assert "winsock · Wine 8.0: 3 new failures, 2 fixed, 1 changed, 2 new cases, 1 removed cases; " \
           "1 still failing the same way" in text
    assert "  F/B.Zero: 2 instances (Event/Port) fail BAD-1 the same way: 997 instead of 10022" in text
    assert "  F/B.Added: 1 instance (Tcp4Port) fails BAD-1: 997 instead of 10022" in text
    assert "  F/B.Null: 2 instances (Event/Port) pass now; failed: 997 instead of 10022" in text
    assert "    was: FAIL: 997 instead of 10022\n    now: FAIL: 10045 instead of 10022" in text
    assert "  F/B.Gone: 1 instance (Tcp4Event): PASS 1" in text


def test_nothing_worse_exits_0(tmp_path, capsys):
    old, _ = _runs(tmp_path)
    assert diff.main([old, old]) == diff.EXIT_SAME
    assert "0 new failures, 0 fixed, 0 changed, 0 new cases, 0 removed cases; 4 still failing" in capsys.readouterr().out


def test_another_build_of_the_same_provider_is_compared(tmp_path, capsys):
    old, new = _runs(tmp_path, new_build="Wine 9.0")
    diff.main([old, new])
    assert "winsock · Wine 8.0 → winsock · Wine 9.0: 3 new failures" in capsys.readouterr().out


def test_markdown_is_escaped(tmp_path, capsys):
    old = write(tmp_path / "old.jsonl", line(id=f"A.{HOSTILE}", verdict="PASS"))
    new = write(tmp_path / "new.jsonl", line(id=f"A.{HOSTILE}", verdict="FAIL", message=HOSTILE))
    diff.main([old, new, "--markdown"])
    out = capsys.readouterr().out
    assert "<script>" not in out and "&lt;script&gt;" in out and "\\|\\*\\_" in out
    assert "**New failures (1)**" in out


def test_directories_of_runs_are_read(tmp_path, capsys):
    old_results = make_run(tmp_path, baseline=True)  # tmp/old/results.jsonl with requirements.json beside it
    out = tmp_path / "run"
    (out / "winsock").mkdir(parents=True)
    (out / "winsock" / "results.jsonl").write_text(open(make_run(tmp_path)).read())
    assert diff.main([str(tmp_path / "old"), str(out)]) == diff.EXIT_WORSE
    assert "new failures" in capsys.readouterr().out
    assert report.main([str(out / "winsock" / "results.jsonl"), "--out", str(out / "report")]) == 0
    # a run's directory with a report in it is read from its dataset
    assert diff.resolve(str(out)) == [str(out / "report" / "results.json")]
    assert json.loads((out / "report" / "results.json").read_text())["format"] == "wsaconform-dataset"
    assert diff.main([old_results, str(out)]) == diff.EXIT_WORSE
