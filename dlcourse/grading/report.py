"""The autograde summary the instructor reads: a table, what needs their eye, throughput."""


def format_table(grades):
    """A plain-text table of autograde results, one row per student."""
    rows = [("student", "autograded", "to grade by hand", "seconds", "flags", "lost points in")]
    for g in grades:
        lost = "ERROR: see below" if g.error else (", ".join(g.lost) or "-")
        nflags = sum(1 for f in g.flags if f.get("eye"))
        rows.append((g.student, f"{g.score:g} / {g.max_score:g}", f"{g.manual_pending:g}",
                     f"{g.seconds:.1f}", str(nflags) if nflags else "-", lost))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


def format_summary(grades, measured=None):
    """The table, then which submissions need the instructor's eye and why, then throughput."""
    lines = [format_table(grades)]
    review = [g for g in grades if g.needs_review]
    if review:
        lines += ["", f"Needs the instructor's eye ({len(review)}):"]
        for g in review:
            lines.append(f"  {g.student}:")
            if g.error:
                lines.append(f"    - could not be graded: {g.error.splitlines()[0][:300]}")
            lines += [f"    - {f['reason']}" for f in g.flags if f.get("eye")]
    notes = [(g, f) for g in grades for f in g.flags if not f.get("eye")]
    if notes:
        lines += ["", "Notes (no action needed):"]
        lines += [f"  {g.student}: {f['reason']}" for g, f in notes]
    if measured is None:
        from dlcourse.grading import autograde

        measured = autograde.last_batch
    if measured.submissions:
        lines += ["", f"Graded {measured.submissions} submission(s) in {measured.seconds:.1f} s "
                  f"with {measured.workers} worker(s): {measured.per_minute:.1f} per minute"
                  + ("; kernels ran as separate unprivileged users." if measured.sandboxed else
                     "; kernels ran as the grader's own user." if measured.isolation.startswith(
                         "bubblewrap") else
                     "; kernels ran as the grader's own user (run as root for full isolation).")]
        if measured.isolation:
            lines.append(f"Isolation: {measured.isolation}.")
    return "\n".join(lines)
