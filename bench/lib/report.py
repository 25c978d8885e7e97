# SPDX-License-Identifier: Apache-2.0
"""RESULTS.md: one section per case that ran, in the layout of every earlier pass, from the
rows and notes the cases left in lib.results."""
import os
import time

from lib import env
from lib.proc import pin
from lib.results import DETAILS, NOTES, ROWS
from lib.stats import med, median_ci, spread
from lib.sysinfo import machine

THROUGHPUT_TARGET = "≥ 0.60× sendmmsg, ≥ 3× rsyslog"


def notes(case):
    return [f"- {n}" for n in NOTES[case]]


def fmt_overhead(rows):
    out = ["| tracer | command | N pairs | untraced wall median (min–max) | traced wall median "
           "(min–max) | added wall time: median of pairs (min–max; 95% CI of the median) | "
           "ratio of medians | ratio of fastest runs | loop CPU added (user+sys incl. "
           "children): median (min–max) | tracer's own CPU as % of the untraced loop's CPU | "
           "lost per run | target | met |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "status" in r:
            out.append(f"| {r['name']} | | | | | {r['status']} | | | | | | | |")
            continue
        out.append(f"| {r['name']} | `{r['cmd']}` | {r['runs']} | {r['base_med']:.3f} s "
                   f"({r['base_spread']}) | {r['traced_med']:.3f} s ({r['traced_spread']}) | "
                   f"**{r['pct_med']:+.1f}%** ({r['pct_spread']}; CI {r['pct_ci']}) "
                   f"| {r['pct_of_medians']:+.1f}% | {r['pct_of_minima']:+.1f}% | "
                   f"{r['cpu_med']:+.1f}% ({r['cpu_spread']}) | {r['tracer_cpu']} | "
                   f"{', '.join(map(str, r['lost']))} | {r['target']} | {r['met']} |")
    return "\n".join(out)


def fmt_overhead_baseline(cmp):
    """The current binary against --baseline, rep by rep (run back to back in each rep)."""
    out = [f"Against the baseline `{env.BASELINE}`: in every rep the two binaries ran back to "
           "back (order alternating), each against the same untraced run. Per rep, current ÷ "
           "baseline − 1; the target is that the reorganisation regresses nothing by more than "
           "3%.", "",
           "| metric | baseline median (min–max) | current median (min–max) | current vs "
           "baseline: median of per-rep ratios (min–max; 95% CI of the median) | target | met |",
           "|---|---|---|---|---|---|"]
    for name, (base, cur, pct) in cmp.items():
        unit, scale = ("s", 1) if "wall" in name else ("ms", 1000)
        fmt = "{:.3f}" if unit == "s" else "{:.1f}"
        met = ("yes" if med(pct) <= 3 else "no") if pct else ""
        out.append(f"| {name} | {fmt.format(med(base) * scale)} {unit} "
                   f"({spread([x * scale for x in base], fmt)}) | "
                   f"{fmt.format(med(cur) * scale)} {unit} "
                   f"({spread([x * scale for x in cur], fmt)}) | "
                   f"**{med(pct):+.1f}%** ({spread(pct, '{:+.1f}')}; CI "
                   "{:+.1f}–{:+.1f}".format(*median_ci(pct)) + f") | ≤ +3% | {met} |")
    return out


def section_overhead():
    out = ["## 1. Exec capture overhead", "",
           "A max-rate loop of fork + execve(static `bench/nop`) + waitpid "
           "(`bench/execloop`), untraced vs traced, in interleaved pairs, with BPF "
           "run-time statistics off (they cost every program run two clock reads; "
           "section 2 turns them on for its own run). Lost = execs done "
           "− exec events the tracer delivered for that run (procship: `process_exec` "
           "datagrams with the run's marker argument at `bench/udp_sink`, which leaves "
           "them in its socket buffer until the loop is over, as a remote receiver would "
           "take no CPU from the traced host; bpftrace: output "
           "lines; auditd: EXECVE records; auditd + laurel: laurel JSON lines with the "
           "EXECVE). The metric is added wall time (median of the "
           "per-pair ratios; the target applies to it). Two CPU columns are less sensitive "
           "to other sessions' load on this shared 2-core machine: the loop's own CPU "
           "(fork/exec/exit plus in-kernel BPF hooks, charged to the exec'ing tasks) and "
           "the tracer process's CPU (procship, auditd and laurel: schedstat during the "
           "loop) relative to "
           "the untraced loop's CPU. The receiver's CPU is not counted. Load from other "
           "sessions only ever adds time, so the ratio of the fastest traced run to the "
           "fastest untraced run is shown as a noise-robust cross-check.", "",
           fmt_overhead(ROWS["overhead"] + ROWS["bpftrace"] + ROWS["auditd"] +
                        ROWS["laurel"]), ""]
    for c in ["overhead", "bpftrace", "auditd", "laurel"]:
        out += notes(c)
    out.append("")
    if ROWS.get("_overhead_baseline"):
        out += fmt_overhead_baseline(ROWS["_overhead_baseline"]) + [""]
    return out


def section_cost():
    out = ["## 2. Cost per event", "", "| metric | value | detail | target | met |",
           "|---|---|---|---|---|"]
    for r in ROWS["cost"]:
        out.append(f"| {r['name']} | **{r['value']}** | {r['detail']} | {r['target']} | "
                   f"{r['met']} |")
    runs = ROWS.get("_procship_runs")
    if runs:
        cpu = [x["cpu_stat"] / x["got"] * 1e6 for x in runs if x.get("got")]
        sch = [x["cpu_sched"] / x["got"] * 1e6 for x in runs if x.get("got")]
        out.append(f"| procship CPU per 1,000 execs, from the overhead pairs | "
                   f"**{med(sch):.1f} ms** (schedstat) | {len(sch)} runs, min–max "
                   f"{spread(sch)} ms; /proc/PID/stat ticks: median {med(cpu):.1f} ms | | |")
    return out + notes("cost") + [""]


def section_enrich():
    out = ["## 2b. Optional enrichments (issue 15), each on against off in one pass", "",
           "Exec overhead from interleaved untraced/traced pairs of the max-rate exec loop "
           "(variants in rotating order, BPF statistics off); procship CPU (schedstat) per 1,000 "
           "execs from the same runs; BPF run time per exec (the mean run time of each procship "
           "program, fork, prepare_exec, exec and exit, summed) from one run per variant with "
           "`kernel.bpf_stats_enabled`.",
           "", "| variant | pairs | exec overhead median (min–max) | vs off | procship CPU "
           "per 1,000 execs | vs off | BPF per exec | vs off | lost | ≤ 3% |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ROWS["enrich"]:
        out.append(f"| {r['name']} | {r['runs']} | **{r['pct_med']:+.1f}%** ({r['pct_spread']}) "
                   f"| {r['added']:+.1f} pts | **{r['cpu_med']:.1f} ms** ({r['cpu_spread']}) | "
                   f"{r['cpu_added']:+.1f} ms | **{r['bpf_ns'] / 1000:.2f} µs** | "
                   f"{r['bpf_added'] / 1000:+.2f} µs | {r['lost']} | {r['met']} |")
    for r in ROWS["enrich"]:
        out.append(f"- {r['name']}, BPF programs: {r['bpf_detail']}")
    return out + notes("enrich") + [""]


def section_lineage():
    out = ["## 2c. Ancestors and user names (issue 15 part B), each on against off in one pass",
           "",
           "| metric | value | detail | ratio to off |", "|---|---|---|---|"]
    for r in ROWS["lineage"]:
        out.append(f"| {r['name']} | **{r['value']}** | {r['detail']} | {r['ratio']} |")
    return out + notes("lineage") + [""]


def section_rss():
    out = ["## 2d. Peak RSS per enrichment (issue 15), one run each after the same exec count",
           "",
           "| options | execs | peak RSS (VmHWM) | added to off | events lost |",
           "|---|---|---|---|---|"]
    for r in ROWS["rss"]:
        added = "" if r["added"] is None else f"{r['added'] / 1024:+.1f} MiB"
        out.append(f"| {r['name']} | {r['execs']:,} | **{r['hwm_kb'] / 1024:.1f} MiB** | "
                   f"{added} | {r['lost']} |")
    return out + notes("rss") + [""]


def throughput_intro():
    return ("Same pre-encoded JSON lines for every sender except the sendmmsg ceiling (which "
            "sends pre-made datagrams of exactly SIZE bytes); the framed senders add a "
            "~40-byte syslog header. Sender CPU = user+sys of the sending process only "
            "(wait4 rusage; sendmmsg_flood: getrusage). Receiver: `bench/udp_sink` "
            f"(recvmmsg, 64 MiB SO_RCVBUF) on 127.0.0.1, "
            + (f"polling: it drains without blocking and sleeps {env.SINK_POLL_US} µs when "
               "empty, because on loopback a receiver blocked in recvmmsg makes the sender "
               "pay the cross-CPU wake-up (an IPI, a VM exit here) that a remote receiver "
               "never costs it (`--sink-poll-us 0` measures the old way). "
               if env.SINK_POLL_US else "blocking in recvmmsg (`--sink-poll-us 0`). ")
            + ("The receiver runs alone on CPU 1 (taskset), as a remote one would; senders "
               "are left to the scheduler (pinning them all to CPU 0 flattered rsyslog: its "
               "threads stopped waking each other across CPUs, 133k instead of ~115k "
               "datagrams/CPU-s at 200 B)." if pin(1)
               else "No CPU pinning (fewer than 2 CPUs or no taskset).") + "")


def throughput_row(r):
    if "status" in r:
        return (f"| {r['size']} B | {r['sender']} | `{r['cmd']}` | – | {r['status']} | | | | | "
                f"| | {THROUGHPUT_TARGET if r['sender'] == 'procship' else ''} | "
                f"{'n/a' if r['sender'] == 'procship' else ''} |")
    return (f"| {r['size']} B | {r['sender']} | `{r['cmd']}` | {r['runs']} | **{r['med']:,.0f}** "
            f"({r['spread']}) | {r['received']} | {r['vs_sendmmsg']:.2f} | {r['vs_rsyslog']:.2f} "
            f"| {r['net']:,.0f} | {r['net_vs_sendmmsg']:.2f} | {r['net_vs_rsyslog']:.2f} "
            f"| {r['target']} | {r['met']} |")


def fmt_throughput_baseline(cmp):
    out = [f"Against the baseline `{env.BASELINE}`: in every rep the two binaries ran back to "
           "back (order alternating). Per rep, current ÷ baseline datagrams per CPU-second; "
           "the target is that the reorganisation regresses nothing by more than 3%.", "",
           "| size | baseline datagrams/CPU-s median | current datagrams/CPU-s median | current "
           "÷ baseline: median of per-rep ratios (min–max) | net of start-up CPU: median of "
           "per-rep ratios (min–max) | target | met |",
           "|---|---|---|---|---|---|---|"]
    for s, c in cmp.items():
        met = ("yes" if med(c["gross"]) >= 0.97 and med(c["net"]) >= 0.97 else "no") \
            if c["gross"] else ""
        out.append(f"| {s} B | {c['base']:,.0f} | {c['cur']:,.0f} | **{med(c['gross']):.3f}** "
                   f"({spread(c['gross'], '{:.3f}')}) | {med(c['net']):.3f} "
                   f"({spread(c['net'], '{:.3f}')}) | ≥ 0.97 | {met} |")
    return out


def section_throughput():
    out = ["## 3. Output throughput (datagrams the receiver got per sender CPU-second)", "",
           throughput_intro(), "",
           "| size | sender | command | N | datagrams/CPU-s median (min–max) | received per run "
           "| × sendmmsg | × rsyslog | net of start-up CPU: datagrams/CPU-s | net × sendmmsg | "
           "net × rsyslog | target | met |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    out += [throughput_row(r) for r in ROWS["throughput"]]
    out += notes("throughput") + [""]
    if ROWS.get("_throughput_baseline"):
        out += fmt_throughput_baseline(ROWS["_throughput_baseline"]) + [""]
    return out


def section_latency():
    out = ["## 4. Latency: execve → datagram at the receiver", "",
           "`execloop --latmark` stamps CLOCK_MONOTONIC in the child just before execve and "
           "passes it as the argument; `udp_sink` subtracts it from its receive time (the "
           "first columns). The same samples are also split: *on the socket* ends at the "
           "kernel's arrival time of the datagram (SO_TIMESTAMPNS), without the receiver's own "
           "wake-up, as a remote receiver's wire would see it; *event → socket* starts at the "
           "event's own `time` (the kernel's exec time, taken when execve is done) and ends "
           "at that arrival: procship's whole share (drain, cache, encode, frame, send), "
           "without the execve itself. The receiver runs at nice -10, as procship does: at "
           "nice 0 on a loaded host it waits for the CPU, a delay a remote receiver would not "
           "add. Target (issue 19): p99 ≤ 1 ms at a low rate, ≤ 10 ms at the maximum rate.", "",
           "| load | samples | p50 | p90 | p99 | max | on the socket: p99 | event → socket: "
           "p50 | p99 | max | target | met (p99 / event → socket p99) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ms = lambda r, k: f"{r[k] / 1000:.2f} ms" if k in r else "n/a"  # noqa: E731
    for r in ROWS["latency"]:
        if "status" in r:
            out.append(f"| {r['name']} | {r['status']} | | | | | | | | | | |")
            continue
        bound = 1000 if r['name'].startswith("low") else 10000
        met = ("yes" if r['p99'] <= bound else "no") + " / " + (
            ("yes" if r['ev_p99'] <= bound else "no") if "ev_p99" in r else "n/a")
        out.append(f"| {r['name']} | {r['n']} of {r['execs']} | **{r['p50'] / 1000:.2f} ms** | "
                   f"{r['p90'] / 1000:.2f} ms | **{r['p99'] / 1000:.2f} ms** | "
                   f"{r['max'] / 1000:.2f} ms | {ms(r, 'arr_p99')} | {ms(r, 'ev_p50')} | "
                   f"**{ms(r, 'ev_p99')}** | {ms(r, 'ev_max')} | p99 ≤ {bound / 1000:g} ms | "
                   f"{met} |")
    out += latency_summary()
    return out + notes("latency") + [""]


def latency_summary():
    """Medians over the reps of each load, host and configuration."""
    groups = {}
    for r in ROWS["latency"]:
        if "p99" in r and "host" in r:
            groups.setdefault((r["label"], r["host"], r["config"]), []).append(r)
    if not groups:
        return []
    out = ["", "Medians over the reps (min–max), each load, host (busy: a CPU-bound job per "
           "core at nice 0) and configuration:", "",
           "| load | host | configuration | reps | p99 | on the socket: p99 | event → socket: "
           "p50 | event → socket: p99 | event → socket: max |", "|---|---|---|---|---|---|---|---|---|"]

    def cell(rs, k):
        v = sorted(r[k] for r in rs if k in r)
        if not v:
            return "n/a"
        return f"{v[len(v) // 2] / 1000:.2f} ms ({v[0] / 1000:.2f}–{v[-1] / 1000:.2f})"
    for (label, host, config), rs in groups.items():
        out.append(f"| {label} | {host} | {config} | {len(rs)} | {cell(rs, 'p99')} | "
                   f"{cell(rs, 'arr_p99')} | {cell(rs, 'ev_p50')} | **{cell(rs, 'ev_p99')}** | "
                   f"{cell(rs, 'ev_max')} |")
    return out


def section_startup():
    out = ["## 5. Start-up", "", "| metric | N | median (min–max) | baseline: `logger -d` launch "
           "→ its datagram | ratio | launch → `ready` log line |",
           "|---|---|---|---|---|---|"]
    for r in ROWS["startup"]:
        if "status" in r:
            out.append(f"| {r['name']} | | {r['status']} | | | |")
            continue
        out.append(f"| {r['name']} | {r['runs']} | **{r['med']:.1f} ms** ({r['spread']}) | "
                   f"{r['base_med']:.1f} ms ({r['base_spread']}) | {r['ratio']:.1f}× | "
                   f"{r['ready_med']:.1f} ms ({r['ready_spread']}) |")
    return out + notes("startup") + [""]


def normalize_intro(meta):
    out = ["## 6. Normalization cost per message (procship --rulebase vs rsyslog mmnormalize)", "",
           "The same generated RFC 3164 sshd lines (`<38>Nov 23 10:00:00 host3 sshd[4242]: "
           "Accepted password for alice from 10.1.2.3 port 52144 ssh2`; 30% accepted password, "
           "15% accepted publickey with key type and fingerprint, 25% failed password for an "
           "invalid user, 10% failed password, 20% lines no rule of `conf/rulebases/sshd.rb` "
           "matches: pam_unix session, disconnects) go through four senders to "
           "`bench/udp_sink` on 127.0.0.1, interleaved (ABBA order) in each rep. Sender CPU = "
           "user+sys of the sending process, all threads (wait4 rusage), divided by the lines; "
           "it includes start-up and shutdown (the *net* column subtracts the median CPU of the "
           "same sender with empty input, same pass, rulebase load included). Normalization cost "
           "= with rulebase − without, for each tool.", ""]
    if meta:
        out += [f"{meta['n']:,} lines per run ({meta['matched']:,} match a rule), {meta['reps']} "
                f"reps; load average {meta['load']} at the start of the case, {meta['load_end']} "
                f"at the end.", ""]
    out += ["| sender | command | lines | runs | sender CPU µs/msg median (min–max) | net of "
            "start-up µs/msg | start-up CPU (empty input) | received per run | spot check "
            "(sample) |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in ROWS["normalize"]:
        if "status" in r:
            out.append(f"| {r['kind']} | | | | {r['status']} | | | | |")
            continue
        out.append(f"| {r['kind']} | `{r['cmd']}` | {r['n']:,} | {r['runs']} | **{r['med']:.2f}** "
                   f"({r['spread']}) | {r['net']:.2f} | {r['fixed']:.1f} ms | {r['received']} | "
                   f"{r['spot']} |")
    return out


def normalize_cost(cost):
    out = ["", "| µs of sender CPU per message | procship | rsyslog | procship / rsyslog |",
           "|---|---|---|---|"]
    p, r = cost.get("procship"), cost.get("rsyslog")

    def cell(d, key):
        return f"{d[key]:.2f}" if d else "–"

    def ratio(key):
        return f"{p[key] / r[key]:.2f}" if p and r and r[key] > 0 else "–"
    for label, key in [("without rulebase (parse + JSON + send)", "without"),
                       ("with `sshd.rb`", "with"),
                       ("**normalization cost** (with − without)", "gross"),
                       ("without rulebase, net of start-up", "without_net"),
                       ("with `sshd.rb`, net of start-up", "with_net"),
                       ("normalization cost, net of start-up", "net")]:
        out.append(f"| {label} | {cell(p, key)} | {cell(r, key)} | {ratio(key)} |")
    for tool in ["procship", "rsyslog"]:
        if tool in cost:
            out.append(f"- {tool}: normalization cost per rep (with − without, same rep): "
                       + ", ".join(f"{x:+.2f}" for x in cost[tool]["pairs"]) + " µs/msg.")
    return out


def section_normalize():
    meta = ROWS.get("_norm_meta")
    out = normalize_intro(meta)
    cost = ROWS.get("_norm_cost", {})
    if cost:
        out += normalize_cost(cost)
    if meta:
        if meta["text"]:
            out.append(f"- procship's own count with the rulebase (first run): `{meta['text'][0]}`.")
        if meta["example"]:
            out.append(f"- Spot check on a separate {meta['sample']:,}-line sample, every datagram "
                       f"captured: each sender delivered every line; with a rulebase, every "
                       f"matched line has its fields and every other line is marked unparsed "
                       f"(procship `\"unparsed\":true`, rsyslog `unparsed-data`). A procship "
                       f"datagram: `{meta['example'].strip()}`")
    out.append("- rsyslog reads the lines over one TCP connection (imptcp): its rfc3164 parser "
               "takes the hostname from the line only for network inputs (with imfile it keeps "
               "the local host name and the tag becomes `host1`), and mmnormalize matches the MSG, "
               "so `remove.msgFirstSpace` drops the space after the tag as procship does. procship "
               "reads the file on standard input. rsyslog's template carries the MSG and `$!` (the "
               "normalized fields) as JSON; procship's JSON carries more (facility, severity, "
               "hostname, app_name, procid, time).")
    return out + notes("normalize") + [""]


def section_relay():
    out = ["## 8. Relaying local syslog (procship --input-unix vs rsyslog imuxsock → omfwd, "
           "syslog-ng unix-dgram → network)", "",
           "| relay | socket queue | writers | N | messages | received/s median (min–max) | "
           "per relay CPU-second median (min–max) | lost | ratio to rsyslog per CPU-second "
           "(target ≥ 3×) |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in ROWS["relay"]:
        if "status" in r:
            out.append(f"| {r['kind']} | {r['qlen']} | {r.get('pace', '')} | | | {r['status']} "
                       "| | | |")
            continue
        ratio = f"{r['ratio']:.1f}×" if r["ratio"] else ""
        out.append(f"| {r['kind']} | {r['qlen']} | {r['pace']} | {r['runs']} | {r['n']} | "
                   f"{r['rate_med']:.0f} "
                   f"({r['rate_spread']}) | **{r['per_med']:.0f}** ({r['per_spread']}) | "
                   f"{r['lost']} | {ratio} |")
    return out + notes("relay") + [""]


def section_storm():
    out = ["## 10. Hostile exec storm: ring-buffer loss (issue 19)", "",
           "| storm | procship | loops × s | storm execs/s | storm execs | ring lost exec / "
           "exit / fork | marker execs arrived | procship CPU per 1,000 execs | ring resident "
           "| VmHWM | load | zero loss |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in ROWS["storm"]:
        out.append(f"| {r['group']} | {r['name']} | {r['loops']} × {r['seconds']} | "
                   f"**{r['rate']}** | {r['execs']} | **{r['lost']}** | {r['marks']} | "
                   f"{r['cpu']} | {r['rb']} | {r['hwm']} | {r['load']} | {r['met']} |")
    return out + notes("storm") + [""]


def section_cpu():
    out = ["## 2e. CPU per exec in counts: system calls, wake-ups, instructions (issue 19)", "",
           "| run | procship | execs captured | syscalls / exec | wake-ups / exec | sendmmsg / "
           "exec | datagrams / sendmmsg | BPF run time / exec | schedstat CPU / exec | detail |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ROWS["cpu"]:
        if r["kind"] == "native":
            out.append(f"| native {r['run']} | {r['name']} | {r['execs']} | **{r['sys']}** | "
                       f"{r['cs']} | {r['sendmmsg']} | {r['dps']} | {r['bpf']} | {r['cpu']} | "
                       f"{r['detail']} |")
    floors = [r for r in ROWS["cpu"] if r["kind"] == "floor"]
    if floors:
        out += ["", "The floor under it, measured right after each native run of this tree at "
                "that run's figures: what this machine charges for sending the datagrams "
                "(sendmmsg ceiling, same mean size and batch) and for the wake-ups (a timed "
                "`epoll_pwait2`, `bench/wake_floor`), per exec; *above the floor* is procship's "
                "own work.", "",
                "| native run | datagrams / exec | mean size | per sendmmsg | send CPU / datagram "
                "| wake-ups / exec | CPU / wake-up | floor / exec | procship CPU / exec | above "
                "the floor |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in floors:
            out.append(f"| {r['run']} | {r['dpe']} | {r['size']} | {r['batch']} | {r['send']} | "
                       f"{r['wpe']} | {r['wake']} | **{r['floor']}** | {r['cpu']} | "
                       f"**{r['above']}** |")
    out += ["", "| procship | execs captured | user instructions / datagram | per exec | "
            "shares per stage |", "|---|---|---|---|---|"]
    for r in ROWS["cpu"]:
        if r["kind"] == "callgrind":
            out.append(f"| {r['name']} | {r['execs']} | **{r['per_event']}** | "
                       f"{r['per_exec']} | {r['detail']} |")
    return out + [""] + notes("cpu") + [""]


def header(args, started):
    return ["# procship benchmarks", "",
            f"Written by `bench/run{' --quick' if args.quick else ''}"
            f"{' --only ' + args.only if args.only else ''}"
            f"{' --baseline ' + args.baseline if args.baseline else ''}` in "
            f"{time.monotonic() - started:.0f} s. "
            "Every figure is a ratio against a baseline measured in the same pass, runs "
            "interleaved (ABBA order); median and spread (min–max) of N runs. Nothing here is "
            "copied from elsewhere.",
            "", "## Machine", "", machine()]


def write_results(path, args, started, pictures=()):
    lines = header(args, started)
    if args.quick:
        lines += ["**--quick smoke run: single runs with small counts. These numbers are not "
                  "measurements; they only show that every case ran.**", ""]
    if pictures:
        lines += ["## Pictures", "", "Drawn by `bench/lib/plots.py` (gnuplot) from this pass: "
                  + ", ".join(f"[{t}]({f})" for f, t in pictures) + ".", ""]
        lines += [f"![{t}]({f})" for f, t in pictures] + [""]
    sel = args.cases
    if any(c in sel for c in ["overhead", "bpftrace", "auditd", "laurel"]):
        lines += section_overhead()
    for case, section in [("cost", section_cost), ("enrich", section_enrich),
                          ("throughput", section_throughput),
                          ("latency", section_latency), ("startup", section_startup),
                          ("normalize", section_normalize), ("relay", section_relay),
                          ("storm", section_storm), ("lineage", section_lineage),
                          ("rss", section_rss), ("cpu", section_cpu)]:
        if case in sel:
            lines += section()
    if DETAILS:
        lines += ["## Every exec-overhead pair, in the order run", "", "```"] + DETAILS + ["```", ""]
    extra = os.path.join(env.HERE, "FINDINGS.md")
    if os.path.exists(extra) and not args.quick:
        lines += [open(extra).read()]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return text
