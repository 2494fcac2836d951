# cairn: the only build system.  See README for the two commands that matter
# (make demo, make check).

CC ?= cc
O ?= build
PREFIX ?= /usr/local
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wvla
CPPFLAGS_ALL = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icore -Istore $(CPPFLAGS)
LDLIBS = -lz -lcrypto -lpthread
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC = $(sort $(wildcard core/*.c))
STORE_SRC = $(sort $(wildcard store/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/t-*.c))
LIB_OBJ = $(CORE_SRC:%.c=$(O)/%.o) $(STORE_SRC:%.c=$(O)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
SHELL_TESTS = $(sort $(wildcard tests/t[0-9]*.sh))

all: $(O)/libcairn.a $(O)/cairn

$(O)/%.o: %.c $(wildcard core/*.h store/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -c -o $@ $<

$(O)/libcairn.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(O)/cairn: $(CMD_OBJ) $(O)/libcairn.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(O)/libcairn.a $(LDLIBS)

$(O)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(O)/libcairn.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -Itests/unit $(CFLAGS) $(WARN) $(LDFLAGS) -o $@ $< $(O)/libcairn.a $(LDLIBS)

units: $(UNIT_BIN)

# Every test prints TAP; prove runs unit binaries and shell scripts alike.
check: all units check-layering
	CAIRN_BUILD=$(abspath $(O)) prove --exec '' -j2 $(UNIT_BIN) $(SHELL_TESTS)

check-asan:
	$(MAKE) O=build-asan CC=clang CFLAGS='-O1 -g $(SAN)' LDFLAGS='$(SAN)' check

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

demo: all
	@sh tests/demo.sh $(abspath $(O))/cairn

bench: all
	@sh tests/bench/run.sh $(abspath $(O))/cairn

clean:
	rm -rf $(O) build-asan

.PHONY: all units check check-asan check-layering demo bench clean
