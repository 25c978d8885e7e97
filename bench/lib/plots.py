# SPDX-License-Identifier: Apache-2.0
"""The pictures of a pass: gnuplot (Debian's gnuplot-nox, `make bench-deps`) draws SVG files
beside the results file, which links them. Without gnuplot the pictures are skipped with a
message (the smoke run in `make check` needs none); `--require-peers` makes that a failure.

  overhead.svg    added wall time per tracer: median of the pairs, 95% interval of the median
  throughput.svg  datagrams per sender CPU-second, per message size and sender
  latency.svg     execve -> datagram: p50, p90, p99 and max at each exec rate
  loss.svg        ring-buffer records lost against the storm's exec rate, one line per
                  configuration, from the storm case's rows (ROWS["_loss_curve"]: (execs per
                  second, records lost, configuration)) or from bench/results/loss-curve.tsv
                  (the same three columns first, tab-separated, `#` comments; the storm case
                  writes it); skipped with a message when neither exists."""
import os
import re
import shutil
import subprocess

from lib import env
from lib.env import fail, log
from lib.results import ROWS

LOSS_FILE = os.path.join(env.HERE, "results", "loss-curve.tsv")
HEAD = ("set terminal svg size 900,480 dynamic font 'sans,12' background '#ffffff'\n"
        "set output '{out}'\nset grid ytics\nset key outside right top\n")


def _ci(r):
    m = re.match(r"([+-]?[\d.]+)–([+-]?[\d.]+)", r.get("pct_ci", ""))
    return (float(m[1]), float(m[2])) if m else (r["pct_med"], r["pct_med"])


def overhead(d):
    rows = [r for c in ["overhead", "bpftrace", "auditd", "laurel"] for r in ROWS[c]
            if "status" not in r]
    if not rows:
        return None
    lines = []
    for r in rows:
        lo, hi = _ci(r)
        name = r["name"].replace("exec overhead: ", "").replace("laurel", "auditd+laurel")
        lines.append(f'"{name}"\t{r["pct_med"]:.2f}\t{lo:.2f}\t{hi:.2f}')
    return ("\n".join(lines),
            "set title 'Exec capture overhead: added wall time, median of pairs and 95% "
            "interval'\nset ylabel 'added wall time (%)'\nset style fill solid 0.5\n"
            "set boxwidth 0.6\nunset key\nset xzeroaxis\n"
            "plot '{data}' using 0:2:xtic(1) with boxes lc rgb '#4477aa', "
            "'' using 0:2:3:4 with yerrorbars lc rgb '#000000' pt 0\n")


def throughput(d):
    rows = [r for r in ROWS["throughput"] if "med" in r]
    if not rows:
        return None
    senders = list(dict.fromkeys(r["sender"] for r in rows))
    sizes = sorted({r["size"] for r in rows})
    rate = {(r["size"], r["sender"]): r["med"] for r in rows}
    lines = ["size\t" + "\t".join(f'"{s}"' for s in senders)]
    for z in sizes:
        lines.append(f'"{z} B"\t' + "\t".join(f"{rate.get((z, s), float('nan')):.0f}"
                                              for s in senders))
    return ("\n".join(lines),
            "set title 'Output throughput: datagrams received per sender CPU-second'\n"
            "set ylabel 'datagrams per CPU-second'\nset style data histogram\n"
            "set style histogram clustered gap 1\nset style fill solid 0.7 border -1\n"
            "set format y '%.0s%c'\nset yrange [0:*]\n"
            f"plot for [i=2:{len(senders) + 1}] '{{data}}' using i:xtic(1) title columnhead\n")


def latency(d):
    rows = [r for r in ROWS["latency"] if "p50" in r and r.get("rep", 1) == 1]
    if not rows:
        return None
    lines = ["pct\t" + "\t".join(f'"{r["name"]}"' for r in rows)]
    for k in ["p50", "p90", "p99", "max"]:
        lines.append(f"{k}\t" + "\t".join(f"{r[k] / 1000:.3f}" for r in rows))
    return ("\n".join(lines),
            "set title 'Latency execve -> datagram at the receiver'\n"
            "set ylabel 'milliseconds (log scale)'\nset logscale y\nset style data histogram\n"
            "set style histogram clustered gap 1\nset style fill solid 0.7 border -1\n"
            f"plot for [i=2:{len(rows) + 1}] '{{data}}' using i:xtic(1) title columnhead\n")


def _loss_points():
    """[(execs per second, records lost, configuration)]: this pass's storm rows, else the
    committed file (a third column names the configuration; a file of two has one)."""
    pts = ROWS.get("_loss_curve")
    if not pts and os.path.exists(LOSS_FILE):
        pts = []
        for line in open(LOSS_FILE):
            f = line.rstrip("\n").split("\t")
            if line.strip() and not line.startswith("#"):
                pts.append((float(f[0]), float(f[1]), f[2] if len(f) > 2 else "procship"))
    return pts


def loss(d):
    pts = _loss_points()
    if not pts:
        log(f"pictures: no loss curve (the storm case's rows, or {LOSS_FILE}): loss.svg skipped")
        return None
    configs = list(dict.fromkeys(c for _, _, c in pts))
    blocks = ["\n".join(f"{a:.0f}\t{b:.0f}" for a, b, c in sorted(pts) if c == name)
              for name in configs]
    curves = ", ".join(f"'{{data}}' index {i} using 1:2 with linespoints lw 2 pt 7 "
                       f"title \"{name}\"" for i, name in enumerate(configs))
    return ("\n\n\n".join(blocks),
            "set title 'Ring-buffer records lost against the storm exec rate'\n"
            "set xlabel 'storm execs per second'\nset ylabel 'records lost (exec + exit + fork)'\n"
            "set key outside bottom center\n"
            f"plot {curves}\n")


PICTURES = [("overhead", overhead, "Exec capture overhead per tracer (median, 95% interval)"),
            ("throughput", throughput, "Output throughput per size and sender"),
            ("latency", latency, "Latency execve → datagram"),
            ("loss", loss, "Ring-buffer loss against the exec rate")]


def draw(out_dir, required):
    """Draw every picture the pass has data for into out_dir; returns [(file, title)]."""
    gp = shutil.which("gnuplot")
    if not gp:
        msg = "pictures: gnuplot is not installed (make bench-deps): no SVG drawn"
        fail(msg) if required else log(msg)
        return []
    os.makedirs(out_dir, exist_ok=True)
    drawn = []
    for name, make, title in PICTURES:
        got = make(out_dir)
        if not got:
            continue
        data, script = got
        svg = os.path.join(out_dir, f"{name}.svg")
        dat = os.path.join(env.TMP, f"{name}.dat")
        with open(dat, "w") as f:
            f.write(data + "\n")
        plot = HEAD.format(out=svg) + script.replace("{data}", dat)
        r = subprocess.run([gp], input=plot, capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or not os.path.exists(svg):
            fail(f"gnuplot ({name}): {r.stderr.strip()[-300:]}")
            continue
        drawn.append((os.path.basename(svg), title))
    return drawn
