# cairn: the only build system.  See README for the two commands that matter
# (make demo, make check).

CC ?= cc
O ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wvla
CPPFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icore -Istore $(CPPFLAGS)
LDLIBS = -lz -lcrypto -lpthread
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN = -fsanitize=thread -fno-omit-frame-pointer

CORE_SRC = $(sort $(wildcard core/*.c))
STORE_SRC = $(sort $(wildcard store/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/t-*.c))
LIB_OBJ = $(CORE_SRC:%.c=$(O)/%.o) $(STORE_SRC:%.c=$(O)/%.o)
PIC_OBJ = $(CORE_SRC:%.c=$(O)/pic/%.o) $(STORE_SRC:%.c=$(O)/pic/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
SHELL_TESTS = $(sort $(wildcard tests/t[0-9]*.sh))
MAN_PAGES = $(sort $(wildcard man/*.[1-8]))

# The public API: store/cairn.h and the headers of core/ it includes.  The
# shared library exports the functions they declare and nothing else.
PUBLIC_H = store/cairn.h $(addprefix core/,$(shell \
    sed -n 's/^.include "\([^"]*\)".*/\1/p' store/cairn.h))

# libcairn.so.<CAIRN_VERSION>, with the soname libcairn.so.<major>.
VERSION := $(shell sed -n 's/^.define CAIRN_VERSION "\([^"]*\)".*/\1/p' store/cairn.h)
SONAME = libcairn.so.$(firstword $(subst ., ,$(VERSION)))
SOFILE = libcairn.so.$(VERSION)
SO_LINKS = $(O)/$(SONAME) $(O)/libcairn.so

all: $(O)/libcairn.a $(O)/cairn $(O)/$(SOFILE) $(SO_LINKS)

$(O)/%.o: %.c $(wildcard core/*.h store/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(O)/pic/%.o: %.c $(wildcard core/*.h store/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC -fPIC $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -fPIC -c -o $@ $<

$(O)/libcairn.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/libcairn.map: store/exports.sh $(PUBLIC_H)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@sh store/exports.sh $(PUBLIC_H) >$@.tmp && mv $@.tmp $@

$(O)/$(SOFILE): $(PIC_OBJ) $(O)/libcairn.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
	    -Wl,--version-script,$(O)/libcairn.map -o $@ $(PIC_OBJ) $(LDLIBS)

$(SO_LINKS): $(O)/$(SOFILE)
	ln -sf $(SOFILE) $@

$(O)/cairn: $(CMD_OBJ) $(O)/libcairn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(O)/libcairn.a $(LDLIBS)

$(O)/tests/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(O)/libcairn.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(O)/libcairn.a $(LDLIBS)

units: $(UNIT_BIN)

# Every test prints TAP; prove runs unit binaries and shell scripts alike.
# The install test builds a program with this build's compiler and flags
# (a sanitized library needs the sanitizer's runtime in the program).
check: export CAIRN_CC = $(CC)
check: export CAIRN_CFLAGS = $(CFLAGS)
check: export CAIRN_LDFLAGS = $(LDFLAGS)
check: all units check-layering
	CAIRN_BUILD=$(abspath $(O)) prove --exec '' -j2 $(UNIT_BIN) $(SHELL_TESTS)

check-asan:
	$(MAKE) O=build-asan CC=clang CFLAGS='-O1 -g $(SAN)' LDFLAGS='$(SAN)' check

# The reliability tests at full depth (hours, not minutes): every crash
# point of every three-step workload with more random states, the fault
# loop over three-step workloads, TORTURE_KILLS kill -9s in the soak,
# every byte of the hostile repositories, gigabyte bombs, then make fuzz.
TORTURE_KILLS ?= 5000
TORTURE_TESTS = $(O)/tests/unit/t-crash $(O)/tests/unit/t-faultloop \
    $(O)/tests/unit/t-bomb tests/t0060-kill-soak.sh tests/t0061-hostile.sh \
    tests/t0063-fault-cli.sh
torture: all units
	CAIRN_BUILD=$(abspath $(O)) CAIRN_TORTURE=1 CAIRN_HOSTILE_FULL=1 \
	    CAIRN_SOAK_KILLS=$(TORTURE_KILLS) prove -v --exec '' $(TORTURE_TESTS)
	$(MAKE) fuzz

# A data race aborts the program that has it, so that the test fails.
check-tsan:
	TSAN_OPTIONS="$${TSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:second_deadlock_stack=1}" \
	    $(MAKE) O=build-tsan CC=clang CFLAGS='-O1 -g $(TSAN)' LDFLAGS='$(TSAN)' check

# cmd/ sees only the public header; core/ never reaches into store/.
check-layering:
	@bad=$$(grep -nE '^#include "' cmd/*.c cmd/*.h 2>/dev/null | \
	    grep -vE '#include "(cairn\.h|cmd\.h)"'); \
	if [ -n "$$bad" ]; then echo "cmd/ includes internal headers:"; \
	    echo "$$bad"; exit 1; fi
	@bad=$$(grep -nE '^#include "(\.\./)?store/|^#include "(cairn|disk|wal|data|segment|manifest|vfs|lock|backend|memory)[a-z_]*\.h"' core/*.c core/*.h 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "core/ includes store/:"; \
	    echo "$$bad"; exit 1; fi
	@echo "layering ok"

# Fuzzing: tests/fuzz/fuzz-<name>.c are libFuzzer targets.  Every build
# makes <name>-replay, the target with tests/fuzz/driver.c as its main, which
# replays files (the committed corpus under tests/fuzz/corpus/<name>, in
# t0070).  make fuzz builds the targets with clang's libFuzzer and sanitizers
# into FUZZ_O and runs each for FUZZ_SECONDS on a copy of its corpus.  The
# --batch targets run the CLI in-process: cmd/main.c is built again with its
# main renamed.
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
FUZZ_REPLAY = $(FUZZ_NAMES:%=$(O)/tests/fuzz/%-replay)
FUZZ_BIN = $(FUZZ_NAMES:%=$(O)/tests/fuzz/%-fuzzer)
FUZZ_CLI = $(O)/tests/fuzz/libcli.a
FUZZ_UTIL = $(O)/tests/fuzz/util.o
FUZZ_O ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=all

$(FUZZ_SRC:%.c=$(O)/%.o) $(FUZZ_UTIL) $(O)/tests/fuzz/driver.o: \
    tests/fuzz/util.h

$(O)/tests/fuzz/cli-main.o: cmd/main.c cmd/cmd.h
	@mkdir -p $(dir $@)
	@echo "  CC $< (main renamed)"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -Wno-missing-prototypes \
	    -Dmain=cairn_cli_main -c -o $@ $<

$(FUZZ_CLI): $(filter-out $(O)/cmd/main.o,$(CMD_OBJ)) $(O)/tests/fuzz/cli-main.o
	rm -f $@
	$(AR) rcs $@ $^

$(O)/tests/fuzz/%-replay: $(O)/tests/fuzz/fuzz-%.o $(O)/tests/fuzz/driver.o \
    $(FUZZ_UTIL) $(FUZZ_CLI) $(O)/libcairn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/tests/fuzz/driver.o \
	    $(FUZZ_UTIL) $(FUZZ_CLI) $(O)/libcairn.a $(LDLIBS)

$(O)/tests/fuzz/%-fuzzer: $(O)/tests/fuzz/fuzz-%.o $(FUZZ_UTIL) $(FUZZ_CLI) \
    $(O)/libcairn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_UTIL) \
	    $(FUZZ_CLI) $(O)/libcairn.a $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAY)

units: fuzz-replay

fuzzers: $(FUZZ_BIN)

# The libFuzzer build, in a directory of its own.
fuzz-build:
	$(MAKE) O=$(FUZZ_O) CC=$(FUZZ_CC) CFLAGS='$(FUZZ_CFLAGS)' LDFLAGS= \
	    fuzzers

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_NAMES)

# PREFIX, DESTDIR, and BINDIR, LIBDIR, INCLUDEDIR, MANDIR below PREFIX.  The
# headers go to <include>/cairn side by side, as cairn.h includes them by
# quoted names.  cairn.pc names libdir and includedir relative to ${prefix}
# where they lie below it, so that pkg-config --define-prefix can move it.
PC_SUBST = -e 's|@prefix@|$(PREFIX)|' \
    -e 's|@libdir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
    -e 's|@includedir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
    -e 's|@version@|$(VERSION)|'

install: all
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBDIR)/pkgconfig" \
	    "$(DESTDIR)$(INCLUDEDIR)/cairn"
	install -m 755 $(O)/cairn "$(DESTDIR)$(BINDIR)/cairn"
	install -m 644 $(O)/libcairn.a "$(DESTDIR)$(LIBDIR)/libcairn.a"
	install -m 755 $(O)/$(SOFILE) "$(DESTDIR)$(LIBDIR)/$(SOFILE)"
	ln -sf $(SOFILE) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf $(SOFILE) "$(DESTDIR)$(LIBDIR)/libcairn.so"
	install -m 644 $(PUBLIC_H) "$(DESTDIR)$(INCLUDEDIR)/cairn"
	sed $(PC_SUBST) store/cairn.pc.in >"$(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc"
	@for page in $(MAN_PAGES); do \
	    dir="$(DESTDIR)$(MANDIR)/man$${page##*.}"; \
	    echo "install -m 644 $$page $$dir"; \
	    install -d "$$dir" && install -m 644 $$page "$$dir" || exit; \
	done

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/cairn" "$(DESTDIR)$(LIBDIR)/libcairn.a" \
	    "$(DESTDIR)$(LIBDIR)/$(SOFILE)" "$(DESTDIR)$(LIBDIR)/$(SONAME)" \
	    "$(DESTDIR)$(LIBDIR)/libcairn.so" \
	    "$(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc"
	@for h in $(notdir $(PUBLIC_H)); do \
	    file="$(DESTDIR)$(INCLUDEDIR)/cairn/$$h"; \
	    echo "rm -f $$file"; rm -f "$$file" || exit; \
	done
	rmdir "$(DESTDIR)$(INCLUDEDIR)/cairn" 2>/dev/null || true
	@for page in $(MAN_PAGES); do \
	    file="$(DESTDIR)$(MANDIR)/man$${page##*.}/$${page#man/}"; \
	    echo "rm -f $$file"; rm -f "$$file" || exit; \
	done

demo: all
	@sh tests/demo.sh $(abspath $(O))/cairn

bench: all
	@sh tests/bench/run.sh $(abspath $(O))/cairn

clean:
	rm -rf $(O) build-asan build-tsan build-fuzz

.PHONY: all units check check-asan check-tsan check-layering install \
    uninstall demo bench clean fuzz fuzz-build fuzzers fuzz-replay torture
