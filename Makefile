# SPDX-License-Identifier: Apache-2.0
# procship: one non-recursive Makefile for the BPF object, the daemon, tests and benchmarks.
#
#   make            build build/procship
#   make deps       install the Debian packages needed to build, test and run (root)
#   make run        capture process events and ship them to a private rsyslogd on loopback
#   make check      unit + integration tests, then again under ASan+UBSan
#   make install    honours DESTDIR, PREFIX and SYSCONFDIR
#   make deb        the Debian package, built by dpkg-buildpackage in build/deb/
#   make SAN=1 ...  sanitizer build in build/san
#   V=1             show full command lines
#   IT_JOBS=N       integration scenarios run at once (default 2; 1 runs them one by one)

SAN ?=
ifeq ($(SAN),1)
OUTPUT ?= build/san
else
OUTPUT ?= build
endif

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
IT_JOBS ?= 2

# vmlinux.h: the kernel's types, kept in the tree per architecture (bpf/vmlinux/ARCH.h.xz), so
# that a build chroot without /sys/kernel/btf/vmlinux builds the same object; CO-RE relocates
# every field access at load time. `make vmlinux-update` regenerates it from VMLINUX_BTF; an
# architecture without a header falls back to VMLINUX_BTF at build time.
VMLINUX_BTF ?= $(firstword $(wildcard /sys/kernel/btf/vmlinux /boot/vmlinux-$(shell uname -r)))

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' \
	-e 's/s390x/s390/' -e 's/riscv64/riscv/' -e 's/loongarch64/loongarch/')
VMLINUX_XZ := bpf/vmlinux/$(ARCH).h.xz

VERSION := 0.1.0
BUILD_COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BUILD_DATE := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date +%s)} +%Y-%m-%dT%H:%M:%SZ)

# The one list of Debian packages: build, test, run and bench.
DEB_PACKAGES := make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev \
	libfastjson-dev liblognorm-dev libestr-dev libyaml-dev libcmocka-dev uthash-dev \
	libclang-rt-14-dev clang-format libpcre2-dev libcap-dev libseccomp-dev rsyslog bsdutils mandoc \
	iproute2 procps python3 libsystemd-dev fail2ban libivykis0 libnet1 libwrap0 libglib2.0-0 \
	libjson-c5 libpcre3 libssl3 tshark xz-utils debhelper dpkg-dev fakeroot lintian systemd logrotate

PKGS := libbpf libfastjson zlib libpcre2-8 yaml-0.1 libcap lognorm libestr libsystemd libseccomp
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	-Wpointer-arith -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
# Release hardening, checked by tests/check-hardening: FORTIFY, stack protector, PIE, full RELRO.
HARDEN_CFLAGS := -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
HARDEN_CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
CFLAGS += $(HARDEN_CFLAGS)
LDFLAGS += $(HARDEN_LDFLAGS)
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -I$(OUTPUT) -I. \
	-DPROCSHIP_VERSION='"$(VERSION)"' -DPROCSHIP_BUILD_COMMIT='"$(BUILD_COMMIT)"' \
	-DPROCSHIP_BUILD_DATE='"$(BUILD_DATE)"'
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I$(OUTPUT) -I.

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDEXPANSION:
.SECONDARY:
.PHONY: all deps run check check-unit check-integration check-man check-style check-hardening check-bench check-san bench install clean fuzz \
	check-fuzz fuzz-crashes deb vmlinux-update

# ---- modules -------------------------------------------------------------------------------
# One map from module to its sources serves the daemon, the unit tests and the fuzz targets.
# Listed, not globbed: a module joins the daemon when it is wired in. Stages in data-flow order.
lib_SRCS := lib/utf8.c lib/jsonstr.c lib/json_scan.c lib/fmt.c lib/strbuf.c lib/pathclean.c \
	lib/capnames.c
framing_SRCS := framing/framing.c framing/framing_parse.c framing/framing_names.c \
	framing/framing_relay.c
sensor_SRCS := shipper/capture/sensor.c
procfs_SRCS := shipper/capture/procfs.c shipper/capture/procfs_ext.c
proc_cache_SRCS := shipper/capture/proc_cache.c
procevents_SRCS := shipper/capture/procevents.c shipper/capture/envs.c
userdb_SRCS := shipper/capture/userdb.c
inputs_SRCS := shipper/text/inputs.c
lines_SRCS := shipper/text/lines.c shipper/text/claims.c
pidlimit_SRCS := shipper/text/pidlimit.c
budget_SRCS := shipper/admit/budget.c
filters_SRCS := shipper/admit/filters.c shipper/admit/filters_parse.c shipper/admit/filters_caps.c \
	$(budget_SRCS)
ratelimit_SRCS := shipper/admit/ratelimit.c
event_json_SRCS := shipper/encode/event_json.c shipper/encode/event_fit.c shipper/encode/signals.c \
	shipper/encode/event_flags.c shipper/encode/env_json.c \
	shipper/encode/cred_json.c
docs_json_SRCS := shipper/encode/docs_json.c
hostport_SRCS := shipper/out/hostport.c
udp_sock_SRCS := shipper/out/udp_sock.c
udp_link_SRCS := shipper/out/udp_link.c
resolver_SRCS := shipper/out/resolver.c
udp_SRCS := shipper/out/udp.c
export_file_SRCS := shipper/out/export_file.c shipper/out/export_gz.c
metrics_SRCS := shipper/out/metrics.c
conf_SRCS := shipper/conf/conf.c shipper/conf/conf_options.c
conf_yaml_SRCS := shipper/conf/conf_yaml.c
log_SRCS := shipper/sys/log.c
notify_SRCS := shipper/sys/notify.c
privs_SRCS := shipper/sys/privs.c
sandbox_SRCS := shipper/sys/sandbox.c
getevents_SRCS := shipper/getevents.c shipper/getevents/doc.c shipper/getevents/compact.c
gaps_SRCS := shipper/gaps/gaps.c shipper/gaps/gaps_read.c
fsafe_SRCS := shipper/sys/fsafe.c
pipeline_SRCS := shipper/pipeline.c
stats_SRCS := shipper/stats.c
reloadctl_SRCS := shipper/reloadctl.c
top_SRCS := shipper/stats_read.c shipper/setup.c shipper/setup_inputs.c shipper/setup_enrich.c \
	shipper/loop.c shipper/main.c
MODULES := lib framing sensor procfs proc_cache procevents userdb inputs lines pidlimit filters \
	ratelimit event_json docs_json hostport udp_sock resolver udp_link udp export_file metrics \
	conf conf_yaml log notify privs sandbox fsafe getevents gaps reloadctl pipeline stats top
# The sources of a list of modules.
mod_srcs = $(foreach m,$(1),$($(m)_SRCS))

DAEMON_SRCS := $(call mod_srcs,$(MODULES))
DAEMON_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(DAEMON_SRCS))
# Every object and test binary records the headers it included (-MMD -MP).
DEPFILES = $(shell find $(OUTPUT) -path $(OUTPUT)/deb -prune -o -name '*.d' -print 2>/dev/null)
.DEFAULT_GOAL := all
-include $(DEPFILES)

all: $(OUTPUT)/procship

ifneq ($(wildcard $(VMLINUX_XZ)),)
$(OUTPUT)/vmlinux.h: $(VMLINUX_XZ)
	$(Q)mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)xz -dc $< > $@
else
$(OUTPUT)/vmlinux.h:
	$(Q)if [ -z "$(VMLINUX_BTF)" ] || [ ! -r "$(VMLINUX_BTF)" ]; then \
		echo "error: no kernel BTF found (need /sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF=y); set VMLINUX_BTF=path/to/vmlinux" >&2; \
		exit 1; fi
	$(Q)mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@
endif

vmlinux-update:
	$(Q)[ -r "$(VMLINUX_BTF)" ] || { echo "error: no kernel BTF to read (VMLINUX_BTF=path)" >&2; exit 1; }
	$(Q)mkdir -p bpf/vmlinux
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c | xz -9 > $(VMLINUX_XZ).tmp
	$(Q)mv $(VMLINUX_XZ).tmp $(VMLINUX_XZ)
	@echo "  GEN      $(VMLINUX_XZ) from $(VMLINUX_BTF)"

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/obj/shipper/capture/sensor.o: $(OUTPUT)/procship.skel.h

$(OUTPUT)/obj/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/procship: $(DAEMON_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- tests ---------------------------------------------------------------------------------
# Each unit test tests/unit/test_NAME.c links the modules in test_NAME_MODS (default: the module
# NAME) plus tests/unit/mock_log.c, and nothing else.
test_utf8_MODS := lib
test_jsonstr_MODS := lib
test_fmt_MODS := lib
test_pathclean_MODS := lib
test_capnames_MODS := lib
test_json_scan_MODS := lib
test_udp_MODS := udp udp_link resolver udp_sock hostport lib
test_udp_LDFLAGS := -Wl,--wrap=sendmmsg -Wl,--wrap=send -Wl,--wrap=getaddrinfo
test_udp_link_MODS := udp_link resolver udp udp_sock hostport lib
test_udp_link_LDFLAGS := $(test_udp_LDFLAGS)
test_udp_sock_MODS := udp_sock hostport lib
test_resolver_MODS := resolver udp_sock hostport lib
test_resolver_LDFLAGS := -Wl,--wrap=getaddrinfo
test_hostport_MODS := hostport lib
test_event_json_MODS := event_json proc_cache procevents userdb procfs lib
test_cred_json_MODS := event_json proc_cache lib
test_signals_MODS := event_json proc_cache lib
test_procevents_MODS := procevents userdb proc_cache event_json procfs lib
test_exit_match_MODS := procevents userdb proc_cache event_json procfs lib
test_envs_MODS := procevents userdb proc_cache event_json procfs lib
test_env_json_MODS := event_json proc_cache procevents userdb procfs lib
test_userdb_MODS := userdb lib
test_proc_cache_MODS := proc_cache procevents userdb event_json procfs lib
test_export_file_MODS := export_file fsafe
test_export_file_LDFLAGS := -lz
test_export_gz_MODS := export_file fsafe
test_export_gz_LDFLAGS := -lz
test_filters_MODS := filters lib
test_filters_LDFLAGS := -lpcre2-8
test_filters_caps_MODS := filters lib
test_filters_caps_LDFLAGS := -lpcre2-8
test_conf_yaml_MODS := conf_yaml conf hostport filters framing fsafe lib
test_conf_MODS := conf conf_yaml hostport filters framing fsafe lib
test_conf_yaml_LDFLAGS := -lyaml -lpcre2-8
test_privs_LDFLAGS := -lcap
test_sandbox_LDFLAGS := -lseccomp
test_stats_MODS := stats metrics fsafe
test_metrics_MODS := metrics fsafe
test_ratelimit_MODS := ratelimit
test_getevents_MODS := getevents lib
test_getevents_LDFLAGS := -lpcre2-8
test_docs_json_MODS := docs_json lib
test_framing_MODS := framing lib
test_framing_names_MODS := framing lib
test_framing_parse_MODS := framing lib
test_framing_relay_MODS := framing lib
test_framing_sd_MODS := framing lib
test_gaps_MODS := gaps framing lib
test_lines_MODS := lines framing lib
test_claims_MODS := lines framing lib
test_claims_LDFLAGS = $(shell $(PKG_CONFIG) --libs lognorm libestr)
test_lines_LDFLAGS = $(shell $(PKG_CONFIG) --libs lognorm libestr)
test_inputs_MODS := inputs lines framing lib
test_pipeline_MODS := pipeline filters ratelimit docs_json event_json proc_cache procevents \
	userdb procfs export_file fsafe udp udp_link resolver udp_sock hostport lines pidlimit \
	framing lib
test_pipeline_LDFLAGS = -lpcre2-8 -lz $(shell $(PKG_CONFIG) --libs lognorm libestr)
test_inputs_LDFLAGS = $(shell $(PKG_CONFIG) --libs lognorm libestr)
UNIT_TESTS := $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(addprefix $(OUTPUT)/tests/test_,$(UNIT_TESTS))
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

test_srcs = $(call mod_srcs,$(or $(test_$(1)_MODS),$(1)))

# The sources are named again in the recipe, not taken from $^: a dependency file from an
# older module map may still list a source the test no longer links.
test_link = tests/unit/test_$(1).c $(call test_srcs,$(1)) tests/unit/mock_log.c

$(OUTPUT)/tests/test_%: $$(call test_link,$$*)
	$(Q)mkdir -p $(@D)
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -MM -MP -MT $@ $(call test_link,$*) > $@.d
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(PKG_CFLAGS) $(LDFLAGS) -o $@ \
		$(call test_link,$*) $(test_$*_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

check-unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: $(OUTPUT)/procship
	$(Q)PROCSHIP=$(abspath $(OUTPUT)/procship) IT_JOBS=$(IT_JOBS) tests/integration/run

check-man: $(OUTPUT)/procship
	$(Q)tests/check-man $(OUTPUT)/procship man/procship.8
	$(Q)mandoc -T lint -W warning man/procship-getevents.1
	$(Q)for o in $$($(OUTPUT)/procship getevents --help | grep -oE -- '--[a-z-]+' | sort -u); do \
		grep -q -- "Fl -$${o#--}" man/procship-getevents.1 || \
			{ echo "check-man: $$o: not in man/procship-getevents.1"; exit 1; }; \
	done; echo "check-man: procship getevents --help options all in man/procship-getevents.1"
	$(Q)tests/check-conf-sample $(OUTPUT)/procship conf/procship.yaml man/procship.conf.5

check-style:
	$(Q)tests/check-style

check-hardening: $(OUTPUT)/procship
	$(Q)tests/check-hardening $(OUTPUT)/procship

# ---- benchmarks ----------------------------------------------------------------------------
# bench/run drives the cases; its C helpers are built here, with the daemon's warnings. nop is
# static so that an exec costs as little as it can (a dynamic one where there is no libc.a).
BENCH_HELPERS := $(addprefix $(OUTPUT)/bench/,udp_sink execloop sendmmsg_flood nop regex_cost \
	raw_relay wake_floor)
BENCH_CFLAGS := -std=gnu11 $(WARN) -O2
BENCH_ENV = PROCSHIP=$(abspath $(OUTPUT)/procship) BENCH_BIN=$(abspath $(OUTPUT)/bench)
# The peers and the plotter only the full run needs (bench/run says why they are not in
# DEB_PACKAGES): the smoke run reports a missing one as "not installed" and skips pictures.
BENCH_PACKAGES := auditd laurel bpftrace gnuplot-nox linux-perf valgrind

.PHONY: bench-helpers bench-deps
bench-helpers: $(BENCH_HELPERS)

$(OUTPUT)/bench/nop: bench/nop.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -static -o $@ $< 2>/dev/null || $(CC) $(BENCH_CFLAGS) -o $@ $<

$(OUTPUT)/bench/regex_cost: bench/regex_cost.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $< -lpcre2-8

$(OUTPUT)/bench/%: bench/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

# The benchmark suite's smoke test: every case runs once; no timing is asserted.
check-bench: $(OUTPUT)/procship bench-helpers
	$(Q)$(BENCH_ENV) bench/run --quick

# The full run (it writes bench/RESULTS.md and draws bench/*.svg): it needs the machine to
# itself, and its peers installed.
bench: $(OUTPUT)/procship bench-helpers bench-deps
	$(Q)$(BENCH_ENV) bench/run --require-peers

bench-deps:
	$(Q)if dpkg-query -W -f='$${Status}\n' $(BENCH_PACKAGES) 2>/dev/null | grep -qv 'install ok installed' \
		|| [ $$(dpkg-query -W -f='$${Status}\n' $(BENCH_PACKAGES) 2>/dev/null | wc -l) -ne $(words $(BENCH_PACKAGES)) ]; then \
		echo "bench-deps: installing the bench's peers and plotter: $(BENCH_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BENCH_PACKAGES) \
		|| { echo "bench-deps: cannot install $(BENCH_PACKAGES) (apt-cache policy laurel: this needs Debian 12 or later)" >&2; exit 1; }; \
	else echo "bench-deps: all $(words $(BENCH_PACKAGES)) packages already installed"; fi
	$(Q)echo "bench-deps: syslog-ng (a peer) in $$(tests/integration/helpers/fetch-syslog-ng)"

check-san:
	$(Q)$(MAKE) --no-print-directory SAN=1 check-unit check-integration

check: all
	$(Q)$(MAKE) --no-print-directory check-style check-unit check-fuzz check-man check-hardening \
		check-integration check-bench
	$(Q)$(MAKE) --no-print-directory check-san

# ---- running --------------------------------------------------------------------------------
deps:
	$(Q)if dpkg-query -W -f='$${Status}\n' $(DEB_PACKAGES) 2>/dev/null | grep -qv 'install ok installed' \
		|| [ $$(dpkg-query -W -f='$${Status}\n' $(DEB_PACKAGES) 2>/dev/null | wc -l) -ne $(words $(DEB_PACKAGES)) ]; then \
		echo "installing: $(DEB_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PACKAGES); \
	else echo "deps: all $(words $(DEB_PACKAGES)) packages already installed"; fi
	@# syslog-ng conflicts with rsyslog: the tests run Debian's, unpacked into a cache
	$(Q)echo "deps: syslog-ng for the tests in $$(tests/integration/helpers/fetch-syslog-ng)"

run: $(OUTPUT)/procship
	$(Q)PROCSHIP=$(abspath $(OUTPUT)/procship) contrib/run-demo

# The unit, man pages, samples and the receiving side's configuration; the configuration file
# in $(SYSCONFDIR)/procship only when there is none (an edited one is kept). debian/rules runs
# this with DESTDIR and PREFIX=/usr.
install: $(OUTPUT)/procship
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/procship/rulebases \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/procship
	install -m 0755 $(OUTPUT)/procship $(DESTDIR)$(PREFIX)/sbin/procship
	install -m 0644 man/procship.8 $(DESTDIR)$(PREFIX)/share/man/man8/procship.8
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 man/procship-getevents.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/procship.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/procship.conf.5
	install -m 0644 conf/procship.yaml $(DESTDIR)$(PREFIX)/share/procship/
	install -d $(DESTDIR)$(PREFIX)/share/procship/rsyslog $(DESTDIR)$(PREFIX)/share/procship/syslog-ng \
		$(DESTDIR)$(PREFIX)/share/procship/nxlog
	install -m 0644 contrib/rsyslog/procship-*.conf $(DESTDIR)$(PREFIX)/share/procship/rsyslog/
	install -m 0644 contrib/syslog-ng/procship.conf $(DESTDIR)$(PREFIX)/share/procship/syslog-ng/
	install -m 0644 contrib/nxlog/procship.conf $(DESTDIR)$(PREFIX)/share/procship/nxlog/
	install -m 0644 conf/rulebases/*.rb $(DESTDIR)$(PREFIX)/share/procship/rulebases/
	sed 's|/usr/local/sbin/procship|$(PREFIX)/sbin/procship|g' contrib/systemd/procship.service \
		> $(DESTDIR)$(UNITDIR)/procship.service
	install -m 0644 contrib/systemd/procship.socket $(DESTDIR)$(UNITDIR)/
	[ -e $(DESTDIR)$(SYSCONFDIR)/procship/procship.yaml ] || \
		install -m 0644 conf/default.yaml $(DESTDIR)$(SYSCONFDIR)/procship/procship.yaml

# dpkg-buildpackage writes its results next to the source tree, so it runs on a copy of the
# tracked files (as they are in the work tree) in build/deb/, which is where the .deb lands.
DEB_SRC := $(OUTPUT)/deb/procship-$(VERSION)
deb:
	$(Q)rm -rf $(OUTPUT)/deb && mkdir -p $(DEB_SRC)
	$(Q)git ls-files -z | xargs -0 cp -a --parents -t $(DEB_SRC)
	$(Q)cd $(DEB_SRC) && BUILD_COMMIT=$(BUILD_COMMIT) dpkg-buildpackage -us -uc -b
	$(Q)lintian --fail-on error,warning $(OUTPUT)/deb/procship_*.changes
	$(Q)ls $(OUTPUT)/deb/*.deb

clean:
	rm -rf build

# ---- fuzzing --------------------------------------------------------------------------------
# libFuzzer targets in tests/fuzz/ (see tests/fuzz/README.md), built with clang and flags of
# their own: the daemon's CFLAGS/LDFLAGS (hardening, SAN=1) never reach them.
#   make fuzz              each target for FUZZ_SECONDS, growing $(OUTPUT)/fuzz/corpus-NAME from
#                          tests/fuzz/corpus/NAME; -j2 runs two at a time, -k goes on past a crash
#   make fuzz-NAME         one target; FUZZ_FLAGS adds libFuzzer flags (-jobs=2, -max_len=...)
#   make check-fuzz        each target once over its repo corpus (a regression test)
#   make fuzz-crashes      the reproducers in tests/fuzz/crashes/NAME/, expected to crash until
#                          the finding is fixed (then the file moves into the corpus)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?=
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -I$(OUTPUT) -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags libfastjson lognorm libestr yaml-0.1 libpcre2-8 \
	2>/dev/null)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_TARGETS))

# Each target links the modules in fuzz_NAME_MODS, like the unit tests; mock_log.c where a
# module logs.
fuzz_framing_MODS := framing lib
fuzz_framing_parse_MODS := framing lib
fuzz_hostport_MODS := hostport lib
fuzz_filters_MODS := filters lib
fuzz_filters_LIBS := -lfastjson -lpcre2-8
fuzz_conf_yaml_MODS := conf_yaml conf hostport filters framing fsafe lib
fuzz_conf_yaml_EXTRA := tests/unit/mock_log.c
fuzz_conf_yaml_LIBS := -lyaml -lpcre2-8 -lfastjson
fuzz_cmdline_MODS := conf hostport filters framing lib
fuzz_cmdline_EXTRA := tests/unit/mock_log.c
fuzz_cmdline_LIBS := -lpcre2-8 -lfastjson
fuzz_lines_MODS := lines framing lib
fuzz_lines_LIBS = $(shell $(PKG_CONFIG) --libs lognorm libestr libfastjson)
fuzz_event_MODS := procevents userdb proc_cache event_json procfs lib
fuzz_relay_MODS := lines framing lib
fuzz_relay_LIBS = $(shell $(PKG_CONFIG) --libs lognorm libestr libfastjson)
fuzz_event_LIBS := -lfastjson
fuzz_getevents_MODS := getevents lib
fuzz_getevents_LIBS := -lfastjson -lpcre2-8
fuzz_gaps_MODS := gaps framing lib
fuzz_gaps_LIBS := -lfastjson

fuzz_link = tests/fuzz/fuzz_$(1).c $(call mod_srcs,$(fuzz_$(1)_MODS)) $(fuzz_$(1)_EXTRA)

$(FUZZ_OUT)/fuzz_%: $$(call fuzz_link,$$*)
	$(Q)mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_PKG_CFLAGS) -MM -MP -MT $@ $(call fuzz_link,$*) > $@.d
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_PKG_CFLAGS) -o $@ $(call fuzz_link,$*) \
		$(fuzz_$*_LIBS)

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-%: $(FUZZ_OUT)/fuzz_%
	$(Q)mkdir -p $(FUZZ_OUT)/corpus-$* $(FUZZ_OUT)/artifacts-$*
	$(Q)echo "== fuzz_$* for $(FUZZ_SECONDS) s, corpus $(FUZZ_OUT)/corpus-$*"
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_OUT)/artifacts-$*/ $(FUZZ_FLAGS) \
		$(FUZZ_OUT)/corpus-$* tests/fuzz/corpus/$* 2>$(FUZZ_OUT)/fuzz-$*.log \
		|| { tail -n 40 $(FUZZ_OUT)/fuzz-$*.log; \
			echo "fuzz_$*: FAILED, input in $(FUZZ_OUT)/artifacts-$*/"; exit 1; }
	$(Q)grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_OUT)/fuzz-$*.log | sed 's/^/   /'

check-fuzz: $(FUZZ_BINS)
	$(Q)pass=0; fail=0; for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_OUT)/check-$$t.log; \
		n=$$(ls tests/fuzz/corpus/$$t 2>/dev/null | wc -l); \
		if [ "$$n" -eq 0 ]; then \
			echo "FAIL fuzz_$$t: no seeds in tests/fuzz/corpus/$$t"; fail=$$((fail + 1)); \
		elif $(FUZZ_OUT)/fuzz_$$t -runs=0 -artifact_prefix=$(FUZZ_OUT)/check- \
			tests/fuzz/corpus/$$t >$$log 2>&1; then \
			echo "PASS fuzz_$$t ($$n inputs)"; pass=$$((pass + 1)); \
		else \
			tail -n 30 $$log; echo "FAIL fuzz_$$t (log: $$log)"; fail=$$((fail + 1)); \
		fi; \
	done; \
	echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

fuzz-crashes: $(FUZZ_BINS)
	$(Q)fixed=0; open=0; for f in $$(find tests/fuzz/crashes -type f 2>/dev/null | sort); do \
		t=$$(basename $$(dirname $$f)); log=$(FUZZ_OUT)/crash-$$t-$$(basename $$f).log; \
		if $(FUZZ_OUT)/fuzz_$$t -artifact_prefix=$(FUZZ_OUT)/reproduce- $$f >$$log 2>&1; then \
			echo "FIXED $$f (move it to tests/fuzz/corpus/$$t/)"; fixed=$$((fixed + 1)); \
		else \
			echo "OPEN  $$f: $$(grep -m1 -E 'property failed|ERROR: |runtime error' $$log)"; \
			open=$$((open + 1)); \
		fi; \
	done; echo "$$open still crash, $$fixed fixed"
