# The repository's build and install entry point for C hosts.
#   make                         target/release/libcorsgate.a and libcorsgate.so
#                                (cargo build plus their names; every host's
#                                build script runs this)
#   make install PREFIX=/usr/local   libcorsgate, corsgate.h, corsgate.pc
# The work is done by bindings/c/Makefile (see bindings/c/README.md).

PREFIX ?= /usr/local

.PHONY: all lib install uninstall

all lib:
	$(MAKE) -C bindings/c lib

install uninstall:
	$(MAKE) -C bindings/c $@ PREFIX=$(PREFIX)
