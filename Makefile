# The repository's install entry point: libcorsgate, corsgate.h, corsgate.pc.
#   make install PREFIX=/usr/local
# The work is done by bindings/c/Makefile (see bindings/c/README.md).

PREFIX ?= /usr/local

.PHONY: all install uninstall

all:
	$(MAKE) -C bindings/c lib

install uninstall:
	$(MAKE) -C bindings/c $@ PREFIX=$(PREFIX)
