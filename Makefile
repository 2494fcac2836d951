# cairn: the only build system.  See README for the two commands that matter
# (make demo, make check).

CC ?= cc
O ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
# Where bash-completion and zsh look for completion scripts.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
CFLAGS ?= -O2 -g
# Warnings are errors in the developers' builds only: make check (and the
# targets that run it, make fuzz-build and .ci/run) sets WERROR=1 unless
# told otherwise; a plain make shows a newer compiler's warnings without
# failing.
WARN = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
    $(if $(filter 1,$(WERROR)),-Werror)
# Each object (and unit test) records the headers it was built from in
# <target>.d, which make reads back: touching a header rebuilds only what
# includes it.  -MP keeps a header that is gone from failing the build.
DEPFLAGS = -MMD -MP -MT $@ -MF $@.d
CPPFLAGS_STD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CPPFLAGS_ALL = $(CPPFLAGS_STD) -Icore -Istore $(CPPFLAGS)
# cmd/ is built as a program outside the tree would be: against the
# installed header alone (and cmd/'s own), never core/ or store/.
CPPFLAGS_CMD = $(CPPFLAGS_STD) -I$(INSTALL_H:%/cairn.h=%) -Icmd $(CPPFLAGS)
LDLIBS = -ldeflate -lz -lnettle -ldl -lpthread
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN = -fsanitize=thread -fno-omit-frame-pointer

CORE_SRC = $(sort $(wildcard core/*.c))
STORE_SRC = $(sort $(wildcard store/*.c store/graph/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/t-*.c))
# tests/support/: the test machinery (the fault and crash layers, the
# hooks), an archive the unit tests link with, never part of the library.
# TEST_CAIRN is the test build of cairn the shell tests run: the cmd/
# objects (FUZZ_CLI, main renamed) with tests/support/main.c, which
# installs the hooks the environment asks for (tests/support/hooks.h).
SUPPORT_SRC = $(filter-out tests/support/main.c,$(sort $(wildcard tests/support/*.c)))
SUPPORT_OBJ = $(SUPPORT_SRC:%.c=$(O)/%.o)
SUPPORT_LIB = $(O)/tests/support/libsupport.a
TEST_CAIRN = $(O)/tests/bin/cairn
# The CLI as a library (main renamed cairn_cli_main), for the test build
# and the fuzz targets; defined before the rules that depend on it.
FUZZ_CLI = $(O)/tests/fuzz/libcli.a
LIB_OBJ = $(CORE_SRC:%.c=$(O)/%.o) $(STORE_SRC:%.c=$(O)/%.o)
PIC_OBJ = $(CORE_SRC:%.c=$(O)/pic/%.o) $(STORE_SRC:%.c=$(O)/pic/%.o)
# cmd_option_help, the options cairn help prints, made from the man page.
HELP_C = $(O)/cmd/help_text.c
CMD_OBJ = $(CMD_SRC:%.c=$(O)/%.o) $(HELP_C:%.c=%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
SHELL_TESTS = $(sort $(wildcard tests/t[0-9]*.sh))
MAN_PAGES = $(sort $(wildcard man/*.[1-8]))

# The public API: store/cairn.h and the headers it includes by quoted
# names, down to the last (found beside the includer, in core/, in store/,
# as the compiler finds them).  The shared library exports the functions
# they declare and nothing else.  Installed, they are one file, cairn.h
# (INSTALL_H, made by store/header.sh), alone in <include>/cairn: a program
# includes <cairn.h>, and no header of cairn's has a name a system header
# has (<error.h>).
PUBLIC_H := $(shell sh store/header.sh -l store/cairn.h core store)
INSTALL_H = $(O)/include/cairn/cairn.h

# libcairn.so.<CAIRN_VERSION>, with the soname libcairn.so.<major>.
VERSION := $(shell sed -n 's/^.define CAIRN_VERSION "\([^"]*\)".*/\1/p' store/cairn.h)
SONAME = libcairn.so.$(firstword $(subst ., ,$(VERSION)))
SOFILE = libcairn.so.$(VERSION)
SO_LINKS = $(O)/$(SONAME) $(O)/libcairn.so

all: $(O)/libcairn.a $(O)/cairn $(O)/$(SOFILE) $(SO_LINKS) $(INSTALL_H)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c $(INSTALL_H)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_CMD) $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(HELP_C): man/options.awk man/cairn.1
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@awk -f man/options.awk man/cairn.1 >$@.tmp && mv $@.tmp $@

$(HELP_C:%.c=%.o): $(HELP_C) $(INSTALL_H)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_CMD) $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(O)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC -fPIC $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) $(DEPFLAGS) -fPIC -c -o $@ $<

$(INSTALL_H): store/header.sh $(PUBLIC_H)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"
	@sh store/header.sh store/cairn.h core store >$@.tmp && mv $@.tmp $@

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

$(O)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_ALL) -Itests/support $(CFLAGS) $(WARN) $(DEPFLAGS) -c -o $@ $<

$(SUPPORT_LIB): $(SUPPORT_OBJ)
	rm -f $@
	$(AR) rcs $@ $(SUPPORT_OBJ)

$(O)/tests/unit/%: tests/unit/%.c $(SUPPORT_LIB) $(O)/libcairn.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit -Itests/support $(CFLAGS) $(WARN) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(SUPPORT_LIB) $(O)/libcairn.a $(LDLIBS)

$(TEST_CAIRN): $(O)/tests/support/main.o $(SUPPORT_LIB) $(FUZZ_CLI) \
    $(O)/libcairn.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(O)/tests/support/main.o \
	    $(SUPPORT_LIB) $(FUZZ_CLI) $(O)/libcairn.a $(LDLIBS)

units: $(UNIT_BIN) $(TEST_CAIRN)

# Every test prints TAP; prove runs unit binaries and shell scripts alike.
# The install test builds a program with this build's compiler and flags
# (a sanitized library needs the sanitizer's runtime in the program).
check: export CAIRN_CC = $(CC)
check: export CAIRN_CFLAGS = $(CFLAGS)
check: export CAIRN_LDFLAGS = $(LDFLAGS)
check: WERROR ?= 1
check: all units check-layering check-man
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

# The layers, each checked by preprocessing its files (.c and .h) with the
# include path its layer gets and nothing more, then comparing every header
# the compiler read from the tree (by its real path, so that "../store/x.h"
# is caught) with the headers the layer may read; -M, as -MM lets an <x.h>
# that is nowhere to be found pass.  Both lists come from the tree:
#   core/   with -Icore: core/'s own headers.
#   cmd/    with the installed header's folder and -Icmd: INSTALL_H and
#           cmd/'s own headers (the objects of cmd/ are built so too).
#   graph   (trees, checkout, commits, history; GRAPH_SRC) with the
#           installed header's folder and -Icore: the public API
#           (PUBLIC_H, INSTALL_H) and core/'s headers, never another
#           header of store/.
# A header none of them may read is not found, or is found and refused.
GRAPH_SRC = $(sort $(wildcard store/graph/*.c store/graph/*.h))
LAYER_core = $(wildcard core/*.c core/*.h)
LAYER_core_I = -Icore
LAYER_core_OK = $(wildcard core/*.h)
LAYER_cmd = $(wildcard cmd/*.c cmd/*.h)
LAYER_cmd_I = -I$(INSTALL_H:%/cairn.h=%) -Icmd
LAYER_cmd_OK = $(INSTALL_H) $(wildcard cmd/*.h)
LAYER_graph = $(GRAPH_SRC)
LAYER_graph_I = -I$(INSTALL_H:%/cairn.h=%) -Icore
LAYER_graph_OK = $(INSTALL_H) $(PUBLIC_H) $(wildcard core/*.h) \
    $(filter %.h,$(GRAPH_SRC))

# check_layer <name>: the shell commands that check one layer.
define check_layer
@top=$$(pwd -P); ok=" "; for h in $(LAYER_$(1)_OK); do \
	    ok="$$ok$$(cd "$${h%/*}" && pwd -P)/$${h##*/} "; done; \
	bad=0; for f in $(LAYER_$(1)); do \
	    deps=$$($(CC) $(CPPFLAGS_STD) $(LAYER_$(1)_I) $(CPPFLAGS) -x c -M -MT x "$$f" \
	        2>$(O)/layering.err) || { \
	        echo "check-layering: $(1): $$f includes a header its layer does not reach:"; \
	        grep -e 'error' $(O)/layering.err; bad=1; continue; }; \
	    for h in $$(echo "$$deps" | sed -e 's/^x://' -e 's/\\$$//'); do \
	        case $$h in "$$f") continue ;; "$$top"/*) ;; /*) continue ;; esac; \
	        r="$$(cd "$${h%/*}" && pwd -P)/$${h##*/}"; \
	        case $$r in "$$top"/*) ;; *) continue ;; esac; \
	        case $$ok in *" $$r "*) ;; \
	        *) echo "check-layering: $(1): $$f includes $$h"; bad=1 ;; esac; \
	    done; \
	done; rm -f $(O)/layering.err; test $$bad = 0
endef

check-layering: $(INSTALL_H)
	$(call check_layer,core)
	$(call check_layer,cmd)
	$(call check_layer,graph)
	@echo "layering ok"

# Every man page passes mandoc's lint at level WARNING (its STYLE notes are
# allowed).  Without mandoc the pages are not checked, and make says so.
check-man:
	@if ! command -v mandoc >/dev/null 2>&1; then \
	    echo "check-man: mandoc not found, man pages not linted"; \
	else \
	    for page in $(MAN_PAGES); do \
	        mandoc -Tlint -W warning "$$page" || \
	            { echo "check-man: $$page: mandoc -Tlint finds fault"; \
	            exit 1; }; \
	    done; \
	    echo "man pages ok"; \
	fi

# Fuzzing: tests/fuzz/fuzz-<name>.c are libFuzzer targets.  Every build
# makes <name>-replay, the target with tests/fuzz/driver.c as its main, which
# replays files (the committed corpus under tests/fuzz/corpus/<name>, in
# t0070).  make fuzz builds the targets with clang's libFuzzer and sanitizers
# into FUZZ_O and runs each for FUZZ_SECONDS on a copy of its corpus.  The
# --batch targets run the CLI in-process: cmd/main.c is built again with its
# main renamed (FUZZ_CLI, which the test build of cairn, TEST_CAIRN, links
# too).
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz-%.c=%)
FUZZ_REPLAY = $(FUZZ_NAMES:%=$(O)/tests/fuzz/%-replay)
FUZZ_BIN = $(FUZZ_NAMES:%=$(O)/tests/fuzz/%-fuzzer)
FUZZ_UTIL = $(O)/tests/fuzz/util.o
FUZZ_O ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=all

$(O)/tests/fuzz/cli-main.o: cmd/main.c $(INSTALL_H)
	@mkdir -p $(dir $@)
	@echo "  CC $< (main renamed)"
	@$(CC) $(CPPFLAGS_CMD) $(CFLAGS) $(DEPFLAGS) -Dmain=cairn_cli_main \
	    $(WARN) -Wno-missing-prototypes -c -o $@ $<

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
fuzz-build: WERROR ?= 1
fuzz-build:
	$(MAKE) O=$(FUZZ_O) CC=$(FUZZ_CC) CFLAGS='$(FUZZ_CFLAGS)' LDFLAGS= \
	    WERROR=$(WERROR) fuzzers

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_O) $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_NAMES)

# Every target that compiles: the headers each was built from, read back
# from its .d file.  A target with no .d yet (made by an older Makefile)
# depends on every header, so that nothing stale is kept.
DEP_TARGETS = $(LIB_OBJ) $(PIC_OBJ) $(CMD_OBJ) $(UNIT_BIN) $(SUPPORT_OBJ) \
    $(O)/tests/support/main.o \
    $(FUZZ_SRC:%.c=$(O)/%.o) $(FUZZ_UTIL) $(O)/tests/fuzz/driver.o \
    $(O)/tests/fuzz/cli-main.o
ALL_H = $(wildcard core/*.h store/*.h store/graph/*.h cmd/*.h tests/unit/*.h \
    tests/support/*.h tests/fuzz/*.h)
-include $(wildcard $(DEP_TARGETS:=.d))
$(foreach t,$(DEP_TARGETS),$(if $(wildcard $(t).d),,$(eval $(t): $(ALL_H))))

# PREFIX, DESTDIR, and BINDIR, LIBDIR, INCLUDEDIR, MANDIR below PREFIX.  The
# one header, INSTALL_H, goes to <include>/cairn, which cairn.pc puts on
# the include path; install removes the headers that earlier versions put
# beside it (OLD_H), as they shadow system headers.  cairn.pc names libdir
# and includedir relative to ${prefix} where they lie below it, so that
# pkg-config --define-prefix can move it.
OLD_H = error.h object.h oid.h
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
	rm -f $(OLD_H:%="$(DESTDIR)$(INCLUDEDIR)/cairn/%")
	install -m 644 $(INSTALL_H) "$(DESTDIR)$(INCLUDEDIR)/cairn/cairn.h"
	sed $(PC_SUBST) store/cairn.pc.in >"$(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc"
	@for page in $(MAN_PAGES); do \
	    dir="$(DESTDIR)$(MANDIR)/man$${page##*.}"; \
	    echo "install -m 644 $$page $$dir"; \
	    install -d "$$dir" && install -m 644 $$page "$$dir" || exit; \
	done
	install -d "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)"
	$(O)/cairn completion bash >"$(DESTDIR)$(BASHCOMPDIR)/cairn"
	$(O)/cairn completion zsh >"$(DESTDIR)$(ZSHCOMPDIR)/_cairn"
	chmod 644 "$(DESTDIR)$(BASHCOMPDIR)/cairn" "$(DESTDIR)$(ZSHCOMPDIR)/_cairn"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/cairn" "$(DESTDIR)$(LIBDIR)/libcairn.a" \
	    "$(DESTDIR)$(LIBDIR)/$(SOFILE)" "$(DESTDIR)$(LIBDIR)/$(SONAME)" \
	    "$(DESTDIR)$(LIBDIR)/libcairn.so" \
	    "$(DESTDIR)$(LIBDIR)/pkgconfig/cairn.pc"
	rm -f "$(DESTDIR)$(INCLUDEDIR)/cairn/cairn.h" \
	    $(OLD_H:%="$(DESTDIR)$(INCLUDEDIR)/cairn/%")
	rmdir "$(DESTDIR)$(INCLUDEDIR)/cairn" 2>/dev/null || true
	@for page in $(MAN_PAGES); do \
	    file="$(DESTDIR)$(MANDIR)/man$${page##*.}/$${page#man/}"; \
	    echo "rm -f $$file"; rm -f "$$file" || exit; \
	done
	rm -f "$(DESTDIR)$(BASHCOMPDIR)/cairn" "$(DESTDIR)$(ZSHCOMPDIR)/_cairn"

demo: all
	@sh tests/demo.sh $(abspath $(O))/cairn

bench: all
	@sh tests/bench/run.sh $(abspath $(O))/cairn

bench-scale: all
	@sh tests/bench/scale.sh $(abspath $(O))/cairn

bench-rados: all
	@sh tests/bench/rados.sh $(abspath $(O))/cairn

clean:
	rm -rf $(O) build-asan build-tsan build-fuzz

.PHONY: all units check check-asan check-tsan check-layering check-man install \
    uninstall demo bench bench-scale bench-rados clean fuzz fuzz-build fuzzers \
    fuzz-replay torture
