# vzkit: one non-recursive Makefile. Targets: all check check-kernel demo deps install bench
# format-check.
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/vzkit
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
LIBEXECDIR ?= $(PREFIX)/lib/vzkit

CC ?= cc
WERROR ?= 1
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

PKGS := libseccomp libcap libnl-3.0 libnl-route-3.0 libcgroup jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libnftables: only vznft (cmd/libexec/vznft.c) links it, a small dynamic program that
# net/nft.c runs when a VE needs a filter (no static archive, five more shared objects).
NFT_CFLAGS := $(shell pkg-config --cflags libnftables 2>/dev/null)
NFT_LIBS := $(or $(shell pkg-config --libs libnftables 2>/dev/null),-lnftables)
# The commands are linked statically (static-pie, so ASLR stays) when the archives are there
# (Debian's -dev packages and libc6-dev ship them): every vzctl call then skips the dynamic
# loader and its shared objects (0.2 ms of each command here, and a cheaper fork of the
# helper in a start). STATIC=0 links them dynamically; STATIC=libs links only our libraries
# statically. The unit tests and test helpers are always dynamic. The linker's notes that
# libnl's and libcgroup's name lookups (getpwnam, getaddrinfo...) would need glibc's NSS
# modules are filtered out of the build's output: vzkit calls none of those paths.
STATIC ?= 1
STATIC_LIBNAMES := nl-route-3 nl-3 seccomp cap jansson cgroup
BIN_LIBS := $(PKG_LIBS)
ifneq ($(STATIC),0)
STATIC_MISSING := $(strip $(foreach l,$(STATIC_LIBNAMES),\
	$(if $(wildcard $(shell $(CC) -print-file-name=lib$(l).a)),,$(l))))
ifeq ($(STATIC_MISSING),)
PKG_LIBS := -Wl,-Bstatic $(addprefix -l,$(STATIC_LIBNAMES)) -Wl,-Bdynamic -lpthread -lm
BIN_LIBS := $(PKG_LIBS)
ifeq ($(STATIC)$(if $(wildcard $(shell $(CC) -print-file-name=libc.a)),y),1y)
BIN_LIBS := -static-pie $(addprefix -l,$(STATIC_LIBNAMES)) -lpthread -lm
endif
endif
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wmissing-prototypes \
	-fno-strict-aliasing -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
	-DVZ_DATADIR='"$(DATADIR)"' -DVZ_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-DVZ_LIBEXECDIR='"$(LIBEXECDIR)"'
ifeq ($(WERROR),1)
CFLAGS += -Werror
endif

B := build
LIB_SRCS := $(wildcard runtime/*.c runtime/ct/*.c runtime/vm/*.c fs/*.c net/*.c templates/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB := $(B)/libvzkit.a
CMD_COMMON := $(filter-out cmd/vzctl.c cmd/vzlist.c cmd/vzmigrate.c,$(wildcard cmd/*.c))
CMD_COMMON_OBJS := $(CMD_COMMON:%.c=$(B)/obj/%.o)
BINS := $(B)/vzctl $(B)/vzlist $(B)/vzmigrate
LIBEXEC_BINS := $(B)/vznft

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/tests/%)

all: $(BINS) $(LIBEXEC_BINS)

# Objects are rebuilt when the flags change (e.g. another PREFIX compiles in another DATADIR).
FLAGS_STAMP := $(B)/.cflags
$(FLAGS_STAMP): FORCE
	@mkdir -p $(B)
	@echo '$(CFLAGS)' | cmp -s - $@ || echo '$(CFLAGS)' > $@

$(B)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/%: $(B)/obj/cmd/%.o $(CMD_COMMON_OBJS) $(LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(BIN_LIBS) 2>$@.ld || { cat $@.ld >&2; rm -f $@.ld; exit 1; }
	@grep -v -e 'in statically linked applications requires at runtime' \
		-e ": in function \`[^']*':\$$" $@.ld >&2 || true; rm -f $@.ld

$(B)/vznft: cmd/libexec/vznft.c $(FLAGS_STAMP)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(NFT_CFLAGS) -o $@ $< $(NFT_LIBS)

$(B)/tests/test-%: tests/unit/test-%.c $(CMD_COMMON_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $^ $(PKG_LIBS) -lcmocka

$(B)/tests/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $^ $(PKG_LIBS)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

deps:
	@tests/deps.sh

tests: $(UNIT_BINS) $(HELPER_BINS)

check: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory format-check
	@tests/run.sh

check-unit: all tests
	@tests/run.sh unit

# The integration tests in a QEMU guest on Debian's kernel, cgroup v2 only (docs/kernel-lane.md).
# A lane that cannot run here (no QEMU, no archive, no disk) is reported as skipped, not failed.
check-kernel: deps
	@$(MAKE) --no-print-directory all tests
	@tests/kernel-lane/run.sh; rc=$$?; [ $$rc = 77 ] || exit $$rc

demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh

bench-start: deps all $(HELPER_BINS)
	@tests/bench/bench-start.sh

bench-net: deps all $(HELPER_BINS)
	@tests/bench/bench-net.sh

bench-density: deps all $(HELPER_BINS)
	@tests/bench/bench-density.sh

# The goal's 1,000 starts on a dense node's recommended set-up (vzctl(8) NETIF): a querier on
# the segment (here a second bridge behind an uplink port) and VE_MCAST_LEGACY_REPORTS=yes.
# vzkit only, in a directory of its own; the run with the peers is in docs/benchmarks.md.
bench-density-dense: deps all $(HELPER_BINS)
	@BENCH_DIR=/var/tmp/vzkit-density-dense RUNTIMES=vz DENSITY_N=1000 QUERIER=uplink \
		MCAST_LEGACY=yes tests/bench/bench-density.sh

bench-storage: deps all $(HELPER_BINS)
	@tests/bench/bench-storage.sh

# Issue 6's page cache figure: 50 VEs from the Debian template running sshd, against one.
bench-pagecache: deps all $(HELPER_BINS)
	@tests/bench/bench-pagecache.sh 50 debian-12

# All of them, each timed, in under 15 minutes on 2 CPUs: bench-start with 2 x 25 cycles per
# series (the issue asks for >= 50) and shorter pauses. A failed one does not stop the others;
# the exit status says whether any failed.
bench: deps all
	@failed=; for t in bench-start bench-net bench-density bench-density-dense bench-storage \
		bench-pagecache; do \
		s=$$(date +%s); e=; \
		case $$t in bench-start) e="RUNS=25 PAUSE=2 LXC_CLEAN_RUNS=5";; \
			bench-density*) e="SETTLE=3";; esac; \
		env $$e $(MAKE) --no-print-directory $$t || failed="$$failed $$t"; \
		echo "make bench: $$t took $$(( $$(date +%s) - s )) s"; done; \
	[ -z "$$failed" ] || { echo "make bench: failed:$$failed"; exit 1; }

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/vz/conf
	install -m 755 $(BINS) $(DESTDIR)$(SBINDIR)/
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(LIBEXEC_BINS) $(DESTDIR)$(LIBEXECDIR)/
	cp -R templates/busybox templates/debian-12 $(DESTDIR)$(DATADIR)/templates/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	test -e $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf || install -m 644 conf/vz.conf $(DESTDIR)$(SYSCONFDIR)/vz/vz.conf
	install -m 644 conf/ve-basic.conf-sample $(DESTDIR)$(SYSCONFDIR)/vz/conf/

fuzz:
	@tests/fuzz/run.sh $${FUZZ_SECONDS:-600}

format-check:
	@clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h') && echo 'format: ok'

clean:
	rm -rf $(B)

.PHONY: FORCE fuzz all deps tests check check-unit check-kernel demo bench bench-start bench-net bench-density bench-density-dense bench-storage bench-pagecache install format-check clean
