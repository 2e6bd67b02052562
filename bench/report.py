"""The bench's results: the machine they were measured on, the JSON files and the tables in README.md."""
import json
import os
import platform
from pathlib import Path

import psutil

from bench.profiles import GROWTH_PHASES, PHASES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"
SOAK_START, SOAK_END = "<!-- soak:start -->", "<!-- soak:end -->"
# The office-day requests the soak's README table shows, in this order.
SOAK_ROWS = ("queue poll", "desk poll", "display poll", "kiosk check-in (POST)", "call next (POST)",
             "start (POST)", "done (POST)")


def version(package):
    from importlib.metadata import version as installed  # noqa: PLC0415
    return installed(package)


def ms(value):
    return "–" if value is None else f"{value:.1f}"


def ratio(value):
    """Two decimals, or three below 0.01, so a page far slower than hello world does not read as 0.00."""
    value = value or 0
    return f"{value:.2f}" if value >= 0.01 else f"{value:.3f}"


def machine():
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "os": platform.platform(), "python": platform.python_version()}


def write_json(results, out):
    """Write the results whole or not at all (a temporary file, then a rename)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(out)


def readme_table(results):
    """The short table for README.md."""
    m = results["machine"]
    lines = [
        f"Measured {results['date'][:10]} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"{m['os']}, Python {m['python']}; `make bench` ({results['profile']} run, {results['runtime_s'] / 60:.0f} min). "
        f"{results['settings']['load_generator']}, {results['settings']['users']} users per request type; "
        f"waitress {results['settings']['threads']} threads; a session of {results['seed']['session_tickets']} "
        f"tickets and {results['seed']['history_tickets']:,} historic ones. Full figures in "
        "`bench/results/latest.json`.",
        "",
        "| request | req/s | p50 ms | p95 ms | p99 ms | errors | peak MB | × hello | CPU µs | CPU × | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results["request_types"]:
        target = row.get("target_ratio")
        verdict = "" if target is None else f"≥ {target} {'✓' if row.get('meets_target') else '✗'}"
        lines.append(f"| {row['label']} | {row['rps']:.0f} | {ms(row['p50_ms'])} | {ms(row['p95_ms'])} | "
                     f"{ms(row['p99_ms'])} | {row['errors']} | {row['peak_rss_mb']:.0f} | "
                     f"{ratio(row.get('ratio'))} | {row['server_cpu_us_per_request']:.0f} | "
                     f"{ratio(row.get('cpu_cost_ratio'))} | {verdict} |")
    for later in results.get("merged") or []:
        rows = [row for row in results["request_types"] if row["key"] in later["keys"]]
        command = f"--only {','.join(later['keys'])} --merge"
        busy = ", ".join(f"{row['machine_busy_percent']:.0f}%" for row in rows)
        lines += ["", f"Measured later, on {later['date'][:10]} with `make bench BENCH_ARGS=\"{command}\"` "
                      f"({later['profile']} profile): {'; '.join(row['label'] for row in rows)}, against that run's own "
                      f"hello world ({later['hello_rps']:.0f} req/s, {later['hello_cpu_us']:.0f} µs), which its × hello "
                      f"and CPU × use; the whole machine was {busy} busy meanwhile. The other rows were measured on "
                      f"{results['date'][:10]}."]
    lines += _poll_target_lines(results["request_types"], results.get("merged"))
    busy = [row["machine_busy_percent"] for row in results["request_types"]]
    lines += ["", f"The whole machine was busy {min(busy):.0f}–{max(busy):.0f}% of {100 * m['cores']}% during "
                  "these phases (server, locust and anything else running)."]
    if results.get("reports"):
        lines += ["", _reports_line(results["reports"])]
    if results.get("caseload_import"):
        lines += ["", _import_line(results["caseload_import"])]
    office = results["office_day"]
    if office:
        lines += _office_lines(office)
    growth = results.get("growth")
    if growth:
        lines += ["", "Growth: req/s, p95 ms and the server's CPU µs per request (the steadiest of the three "
                      "on a shared machine):", ""]
        keys = GROWTH_PHASES
        lines.append("| session / history | " + " | ".join(PHASES[k][2] for k in keys) + " |")
        lines.append("|---|" + "---:|" * len(keys))
        for axis in ("session", "history"):
            for scenario in growth[axis]:
                cells = {r["key"]: r for r in scenario["rows"]}
                lines.append(f"| {scenario['session_tickets']:,} / {scenario['history_tickets']:,} | " + " | ".join(
                    f"{cells[k]['rps']:.0f} / {ms(cells[k]['p95_ms'])} / {cells[k]['server_cpu_us_per_request']:.0f}"
                    if k in cells else "–" for k in keys) + " |")
    lines.append("")
    lines.append(f"Load generator at most {results['load_generator']['max_cpu_percent']:.0f}% of one core "
                 f"({'not' if results['load_generator']['not_the_bottleneck'] else 'possibly'} the bottleneck).")
    return "\n".join(lines)


# What a poll should cost, as server CPU per request: an idle poll against hello world's, a poll after a change
# against the same screen's idle poll. (idle key, after-a-change key, at most × its idle poll)
IDLE_POLL_CPU_TARGET = 1.2
CHANGED_POLL_TARGETS = [("queue_poll_idle", "queue_fragment", 3), ("display_poll_idle", "display_fragment", 3),
                        ("desk_poll_idle", "desk_fragment", 5)]


def _poll_target_lines(rows, merged=None):
    """The poll targets in words: each idle poll's CPU against hello world's (a row measured later against its
    own run's), each whole fragment's against its screen's idle poll; nothing when the run measured too few."""
    by_key = {row["key"]: row for row in rows}
    hello = by_key.get("hello")
    later = {key: m["hello_cpu_us"] for m in merged or [] for key in m["keys"] if m.get("hello_cpu_us")}
    idle = [by_key[k] for k in ("queue_poll_idle", "display_poll_idle", "desk_poll_idle", "ticket_poll_idle")
            if k in by_key]
    changed = [(by_key[i], by_key[c], most) for i, c, most in CHANGED_POLL_TARGETS if i in by_key and c in by_key]
    lines = []
    if hello and idle:
        def hello_cpu(row):  # its bracket's mean, else the hello world of the run that measured it
            return (row.get("hello_bracket") or {}).get("cpu_us") \
                or later.get(row["key"], hello["server_cpu_us_per_request"])

        against = {row["key"]: hello_cpu(row) for row in idle}
        cells = [f"{row['label'].split(',')[0]} {row['server_cpu_us_per_request'] / against[row['key']]:.2f}×"
                 for row in idle]
        met = all(row["server_cpu_us_per_request"] <= IDLE_POLL_CPU_TARGET * against[row["key"]] for row in idle)
        bracketed = [row["hello_bracket"] for row in idle if row.get("hello_bracket")]
        how = ""
        if bracketed:
            cpus = [b[k] for b in bracketed for k in ("before_cpu_us", "after_cpu_us")]
            how = (f", hello world measured just before and just after each idle poll's phase ({min(cpus):.0f}–"
                   f"{max(cpus):.0f} µs a request) and the mean of the two used, as the table's × hello and CPU × do")
        lines += ["", f"Idle polls' server CPU per request against hello world's (at most {IDLE_POLL_CPU_TARGET}×)"
                      f"{how}: {', '.join(cells)} {'✓' if met else '✗'}."]
        read = by_key.get("hello_read")
        if read:  # bracketed like the idle polls: each is compared with hello world through its own bracket
            read_ratio = read["server_cpu_us_per_request"] / hello_cpu(read)
            relative = [f"{row['label'].split(',')[0]} "
                        f"{row['server_cpu_us_per_request'] / against[row['key']] / read_ratio:.2f}×" for row in idle]
            lines[-1] += (f" Hello world reading the queue's version from the database once, the read every poll "
                          f"makes to refuse a revoked sign-in or device, took {read_ratio:.2f}× hello world's CPU "
                          f"({read['server_cpu_us_per_request']:.0f} µs); against it the idle polls took "
                          f"{', '.join(relative)}.")
    if changed:
        cells = [f"{c['label'].split(',')[0]} {c['server_cpu_us_per_request'] / i['server_cpu_us_per_request']:.1f}× "
                 f"(at most {most}× {'✓' if c['server_cpu_us_per_request'] <= most * i['server_cpu_us_per_request'] else '✗'})"
                 for i, c, most in changed]
        lines += ["", "A poll after a change (the whole fragment) against the same screen's idle poll, server CPU per "
                      f"request: {', '.join(cells)}."]
    return lines


def _import_line(result):
    return (f"Caseload import (bench/import_bench.py, in-process on a fresh SQLite database, measured "
            f"{result['date'][:10]}): a CSV file of {result['rows']:,} rows ({result['file_kb']:,} KB, "
            f"{len(result['bad_rows'])} of them unreadable) uploaded and previewed in {result['preview_seconds']} s "
            f"(at most {result['preview_peak_mb']} MB allocated meanwhile), then imported in one transaction in "
            f"{result['import_seconds']} s ({result['cases_created']:,} new cases, at most {result['import_peak_mb']} MB); "
            f"the process's peak memory {result['process_max_rss_mb']} MB.")


def _reports_line(reports):
    s, q = reports["seed"], reports["queries"]
    quarter = q["quarter"]["url"].split("first=")[1][:10]
    return (f"Reports page: its own database of {len(s['offices'])} offices with {s['weeks']} weeks of drop-ins "
            f"({s['history_tickets']:,} tickets in {s['history_sessions']} sessions) and {s['cases']:,} cases "
            f"({s['contacts']:,} contact-log entries, {s['plan_items']:,} plan items, {s['ratings']:,} ratings, "
            f"{s['referrals']:,} referrals, {s['outreach']:,} outreach bookings), seeded in {s['seed_s']:.0f} s. "
            f"Its {s['folded_days']} past drop-in days were folded into daily figures while seeding, as the nightly "
            f"purge does, in {s['fold_s']:.1f} s: what the first report over an unfolded year would wait once. "
            f"Measured: all {s['weeks']} weeks at every office, managers' view, by managers signed in with "
            f"two-factor. SQL queries in one warm request (the app in-process): {q['year']['queries']} for the "
            f"{s['weeks']} weeks and {q['quarter']['queries']} for the weeks since {quarter}; for one office "
            f"{q['year_one_office']['queries']} and {q['quarter_one_office']['queries']}"
            f"{' (equal, as they must be)' if reports['queries_equal'] else ' (NOT equal)'}. In-process a warm "
            f"request took {q['year']['ms']:.0f} ms for the {s['weeks']} weeks and {q['quarter']['ms']:.0f} ms for those "
            f"since {quarter}.")


def merge_results(old, new):
    """`new`, a run of a few request types (`--only`), put into `old`: its rows replace theirs or join them in
    the bench's order, and are listed under "merged" with their date and their own run's hello world, which
    their ratios use. Everything else stays old's: the baseline the other rows were measured against, the office
    day, the growth tables."""
    hello = new.get("baseline") or {}
    if new.get("caseload_import"):
        old = {**old, "caseload_import": new["caseload_import"]}
    fresh = [row for row in new["request_types"] if row["key"] != "hello"]
    keys = [row["key"] for row in fresh]
    if not fresh:
        return old
    order = {key: n for n, key in enumerate(PHASES)}
    kept = [row for row in old["request_types"] if row["key"] not in keys]
    merged = {**old, "request_types": sorted(kept + fresh, key=lambda row: order.get(row["key"], len(order)))}
    replaced = sum(row.get("errors") or 0 for row in old["request_types"] if row["key"] in keys)
    merged["errors"] = old["errors"] - replaced + sum(row.get("errors") or 0 for row in fresh)
    merged["load_generator"] = {**old["load_generator"], "max_cpu_percent": max(
        old["load_generator"]["max_cpu_percent"], *(row.get("loadgen_cpu_percent") or 0 for row in fresh))}
    merged["load_generator"]["not_the_bottleneck"] = merged["load_generator"]["max_cpu_percent"] < 90
    if new.get("reports"):
        merged["reports"] = new["reports"]
    merged["merged"] = [m for m in old.get("merged") or [] if not set(m["keys"]) & set(keys)] + [{
        "keys": keys, "date": new["date"], "profile": new["profile"], "machine": new["machine"],
        "runtime_s": new["runtime_s"], "hello_rps": hello.get("rps"),
        "hello_cpu_us": hello.get("server_cpu_us_per_request"),
    }]
    return merged


def _office_lines(office):
    req = office["requests"]
    fresh = office["freshness"] or {}
    u = office["users"]
    return [
        "",
        f"Office day ({office['duration_s']} s: {u['SCREENS']} staff screens and {u['DISPLAYS']} displays polling "
        f"every 2 s, {u['KIOSKS']} kiosks checking someone in every {u.get('KIOSK_EVERY', 10)} s, "
        f"{u['KEYWORKERS']} keyworkers calling and finishing): {office['errors']} errors; p95 queue poll "
        f"{ms(req.get('queue poll', {}).get('p95_ms'))} ms, desk poll {ms(req.get('desk poll', {}).get('p95_ms'))} ms, "
        f"display poll {ms(req.get('display poll', {}).get('p95_ms'))} ms, check-in "
        f"{ms(req.get('kiosk check-in (POST)', {}).get('p95_ms'))} ms; check-in to first staff-screen poll showing it "
        f"p95 {ms(fresh.get('p95_ms'))} ms; peak {office['peak_rss_mb']:.0f} MB. "
        + ("All office-day checks pass." if office["passed"] else
           "Failed: " + ", ".join(k for k, ok in office["checks"].items() if not ok) + "."),
    ]


def _replace_block(text, start, end, block, after=None):
    """Put `block` between the markers `start` and `end`, replacing what is there; where the markers
    are missing, just after the marker `after` if there is one, else in a Performance section at the end."""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        return before + block + tail
    if after and after in text:
        head, tail = text.split(after, 1)
        return head + after + "\n\n" + block + tail
    return text.rstrip("\n") + "\n\n## Performance\n\n`make bench` (`make bench BENCH_ARGS=--quick` for a short run)\n\n" \
        + block + "\n"


def update_readme(results, readme=README):
    text = readme.read_text()
    block = f"{MARK_START}\n{readme_table(results)}\n{MARK_END}"
    readme.write_text(_replace_block(text, MARK_START, MARK_END, block))


def soak_table(results):
    """The soak's few lines for README.md."""
    m, mem, s = results["machine"], results["memory"], results["settings"]
    u = s["users"]
    shortened = s["seconds"] != s.get("default_seconds", s["seconds"])
    command = f"\"--soak-seconds {s['seconds']}\"" if shortened else "--soak"
    lines = [
        f"Soak, measured {results['date'][:10]} on {m['cpu']}, {m['cores']} cores "
        f"(`make bench BENCH_ARGS={command}`): the office day ({u['SCREENS']} staff screens, {u['DISPLAYS']} "
        f"displays, {u['KIOSKS']} kiosks, {u['KEYWORKERS']} keyworkers) for {s['seconds']} s. The server's memory "
        f"was {mem['rss_end_of_warmup_mb']:.0f} MB at the end of the {s['warmup_s']:.0f} s warm-up, at most "
        f"{mem['peak_after_warmup_mb']:.0f} MB after it and {mem['end_mb']:.0f} MB at the end: growth "
        f"{mem['growth_percent']:.1f}% (at most {s['max_growth_percent']:.0f}%). {results['http']['count']:,} "
        f"requests, {results['errors']} errors; p95 of them all (sign-ins included) "
        f"{ms(results['http']['p95_ms'])} ms. "
        + ("Passed." if results["passed"] else
           "Failed: " + ", ".join(k for k, ok in results["checks"].items() if not ok) + ".")
        + " Full figures in `bench/results/soak.json`.",
        "",
        "| request (whole soak) | count | errors | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    for name in SOAK_ROWS:
        row = results["requests"].get(name)
        if row:
            lines.append(f"| {name} | {row['count']:,} | {row['errors']} | {ms(row['p95_ms'])} |")
    return "\n".join(lines)


def update_readme_soak(results, readme=README):
    """The soak's lines go between their own markers, after the bench table, so either run keeps the other's."""
    text = readme.read_text()
    block = f"{SOAK_START}\n{soak_table(results)}\n{SOAK_END}"
    readme.write_text(_replace_block(text, SOAK_START, SOAK_END, block, after=MARK_END))


OFFICES_START, OFFICES_END = "<!-- offices:start -->", "<!-- offices:end -->"
# The requests the offices table shows (as locust names them), with their column headings.
OFFICES_COLUMNS = (("queue poll", "queue poll"), ("desk poll", "desk poll"), ("display poll", "display poll"),
                   ("kiosk check-in (POST)", "check-in"), ("call next (POST)", "Call next"))


def offices_table(results):
    """The twenty-offices scenario (bench/offices.py) for README.md: a row per gunicorn worker count."""
    m, s = results["machine"], results["settings"]
    u = s["per_office"]
    lines = [
        f"Measured {results['date'][:10]} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python "
        f"{m['python']} (`bench.offices`, {results['profile']} run, {results['runtime_s'] / 60:.0f} min): "
        f"{s['offices']} offices, each {u['SCREENS']} staff screens and {u['DISPLAYS']} displays polling every 2 s, "
        f"{u['KIOSKS']} kiosks checking someone in every {u.get('KIOSK_EVERY', 10)} s and {u['KEYWORKERS']} "
        f"keyworkers ({s['users']} users); {s['seconds']} s measured after a {s['warmup_s']} s warm-up, the "
        f"database seeded afresh for each worker count. gunicorn {s['gunicorn']}, {_workers_as_set(s)}, {s['database']}, "
        f"limits in Redis; {s['load_generator']}. Full figures in `bench/results/offices.json`.",
        "",
        "| workers | req/s | " + " | ".join(f"{title} p50 / p95 ms" for _, title in OFFICES_COLUMNS)
        + " | check-in to visible p95 ms | errors | server CPU s/s | CPU µs/req | PostgreSQL CPU s/s | peak MB "
          "| targets |",
        "|---:|---:|" + "---:|" * len(OFFICES_COLUMNS) + "---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in results["runs"]:
        cells = []
        for name, _ in OFFICES_COLUMNS:
            r = run["requests"].get(name)
            cells.append(f"{ms(r['p50_ms'])} / {ms(r['p95_ms'])}" if r else "–")
        verdict = "✓" if run["passed"] else "✗ " + ", ".join(k for k, ok in run["checks"].items() if not ok)
        lines.append(f"| {run['workers']} | {run['rps']:.0f} | " + " | ".join(cells)
                     + f" | {ms(run['visible']['p95_ms'])} | {run['errors']} | {run['server_cpu_per_s'] or 0:.2f} | "
                       f"{run['server_cpu_us_per_request'] or 0:.0f} | {_per_s(run.get('postgres_cpu_per_s'))} | "
                       f"{run['server_peak_rss_mb']:.0f} | {verdict} |")
    worst = ", ".join(
        f"{run['workers']}: {ms(max((f['p95_ms'] or 0 for f in run['visible_by_office'].values()), default=None))}"
        for run in results["runs"])
    busy = [run["machine_busy_percent"] for run in results["runs"]]
    t = s["targets"]
    polls = s["offices"] * (u["SCREENS"] + u["DISPLAYS"] + u["KEYWORKERS"]) / 2
    lines += ["", f"The screens alone ask for {polls:.0f} polls a second; req/s is what was answered. "
                  f"Targets: 0 errors, every poll's p95 under {t['poll_p95_ms']} ms, check-in to visible on every "
                  f"staff screen of its office under {t['visible_p95_ms'] / 1000} s at p95 with none missed. "
                  f"Check-in to visible, the slowest office's p95 by workers (ms): {worst}. Server CPU is gunicorn's "
                  f"master and workers together over the measured seconds (PostgreSQL's own processes apart), and "
                  f"peak MB their resident memory summed. "
                  f"The whole machine was busy {min(busy):.0f}–{max(busy):.0f}% of {100 * m['cores']}% (server, "
                  f"PostgreSQL, Redis, locust and anything else running); load generator at most "
                  f"{results['load_generator']['max_cpu_percent']:.0f}% of one core{_ahead(s)} "
                  f"({'not' if results['load_generator']['not_the_bottleneck'] else 'possibly'} the bottleneck)."
                  + _speed(results)]
    return "\n".join(lines)


def _speed(results):
    """The machine's speed before each worker count's load (bench/offices.py, reference_loop_ms), in words."""
    speed = results.get("reference_loop_ms")
    if not speed:
        return ""
    by_workers = ", ".join(f"{workers}: {ms}" for workers, ms in speed.items())
    return (f" A fixed Python loop (a million additions, the fastest of five) took, before each worker count's "
            f"load, (ms) {by_workers}: the machine's own speed, which moves from minute to minute on a shared host.")


def _ahead(settings):
    """How the load generator was scheduled beside the server (bench/offices.py, LOADGEN_NICE)."""
    nice = settings.get("load_generator_nice")
    if nice is None:  # not recorded (results from before it was), or locust had gone already
        return ""
    if nice == 0:
        return ", at the server's own priority"
    return f", scheduled ahead of the server (nice {nice}) so that it reads each answer when it arrives"


def _workers_as_set(settings):
    """How gunicorn's workers were set (gunicorn.conf.py), in words; results from before it was recorded were sync."""
    g = settings.get("gunicorn_settings") or {"worker_class": "sync"}
    if g.get("worker_class") == "gthread":
        return f"threaded workers ({g.get('threads', 1)} threads each, connections kept {g.get('keepalive', 2)} s)"
    return f"{g.get('worker_class', 'sync')} workers"


def _per_s(value):
    return "–" if value is None else f"{value:.2f}"


def update_readme_offices(results, readme=README):
    """The offices block goes between its own markers (where missing, just after the bench's table)."""
    text = readme.read_text()
    block = f"{OFFICES_START}\n{offices_table(results)}\n{OFFICES_END}"
    readme.write_text(_replace_block(text, OFFICES_START, OFFICES_END, block, after=MARK_END))
