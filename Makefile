# Berth: build, install and test.
#   make                 release build of the `berth` binary (Swift runtime linked in statically)
#   make install         PREFIX=/usr/local, DESTDIR honoured; never overwrites /etc/berth files
#   make uninstall       removes what install put down, except the admin's /etc/berth
#   make test            the unit and root integration tests (run as root)
#   make man             regenerates the manual pages in man/ from the tools' own help
#   make deb             dist/berth_VERSION_ARCH.deb (Debian package of the release build)

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/berth
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc/berth
# systemd reads units from PREFIX/lib/systemd/system for /usr and /usr/local alike.
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# The toolchain on PATH, else where the Swift tarball is usually unpacked on these machines.
SWIFT      ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
# SwiftPM leaves a few empty TemporaryDirectory.XXXXXX directories in $TMPDIR at every
# invocation (about 330 a `make test`): they go under .build, which `make clean` removes, not into
# the host's /tmp. (Containers made by the tests live under /tmp, named there explicitly; make
# 4.3 hands exported variables to recipes but not to $(shell), so those calls set it themselves.)
export TMPDIR := $(CURDIR)/.build/tmp
$(shell mkdir -p "$(TMPDIR)")

# One fully static executable (Swift runtime, libstdc++, libseccomp, libapparmor, zlib
# and glibc inside): a tool starts without the dynamic loader, so nothing is looked up or
# relocated before main, and it runs on any Linux of the same architecture. Non-PIE by default,
# which measured fastest (no start-up relocation at all); STATIC_PIE=1 builds a static PIE
# instead (its image is placed at a random address too; its 40,000 relative relocations,
# packed with DT_RELR, cost it about a third more start-up time). --disable-local-rpath: a
# static PIE must have no RUNPATH (glibc refuses one while relocating itself).
RELEASE_FLAGS = -c release --disable-local-rpath -Xswiftc -static-executable -Xswiftc -use-ld=lld
# Generic types' metadata through direct accessor calls instead of mangled names the runtime
# demangles at first use: a start spent about a fifth of its time before the fork demangling;
# with accessors a command that reads configs takes about 0.94 of the time (12 KB more code).
RELEASE_FLAGS += -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
# No module imports Swift's concurrency library unasked: nothing in Berth is async, and that
# library links libdispatch, whose constructor (CPU count, affinity, clock set-up) ran before
# main in every command and every monitor. Without both the binary is 0.8 MB smaller. (The
# test build keeps the import: the test framework is async.)
RELEASE_FLAGS += -Xswiftc -Xfrontend -Xswiftc -disable-implicit-concurrency-module-import
# Each function in a section of its own, and the ones a lifecycle of commands runs laid out
# together at the front of the text in the order they first run (scripts/hot-functions.order,
# written by scripts/profile-hot-functions from a perf profile): a command then touches a few
# hundred kilobytes of code rather than pages all over the binary (berth-wait 0.93 of the time,
# a start 0.98). A function missing from the list is only placed later, never left out.
RELEASE_FLAGS += -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections
RELEASE_FLAGS += -Xlinker --symbol-ordering-file=$(CURDIR)/scripts/hot-functions.order -Xlinker --no-warn-symbol-ordering
# Every segment starts on a 2 MiB boundary, in the file and in memory (about 3 MB of padding
# between them in the file). A page-cache folio of 2 MiB then
# lines up with the code it holds, and the kernel maps the first 6 MB of text, the hot
# functions at its front included, with three huge-page entries instead of a fault per 64 KB.
# `make install` writes the binary so that the kernel caches it in such folios (see there).
RELEASE_FLAGS += -Xlinker -z -Xlinker max-page-size=0x200000 -Xlinker -z -Xlinker separate-loadable-segments
# The binary's constants read-only, in the read-only first segment (scripts/rodata.ld): a few
# of Swift's were flagged writable, and the linker made all of .rodata writable for them and put
# it among the data. Besides the write protection, a command then maps its constants with the
# metadata beside them (a 2 MiB page when cached so) instead of a fault per 64 KB of copy-on-
# write data: berth-wait takes 75 page faults instead of 85 and 0.90 of the time.
RELEASE_FLAGS += -Xlinker -T -Xlinker $(CURDIR)/scripts/rodata.ld
# The process starts in berth_entry (Sources/CBerthLinux/berth_entry.c), which asks for huge
# pages on the text before its first fault and then jumps to the C library's _start: a binary
# the kernel has evicted from the page cache is read back in 2 MiB folios, not 4 KiB ones.
ifeq ($(shell uname -m),x86_64)
RELEASE_FLAGS += -Xlinker -e -Xlinker berth_entry
endif
ifeq ($(STATIC_PIE),1)
RELEASE_FLAGS += -Xswiftc -Xclang-linker -Xswiftc -static-pie -Xlinker -z -Xlinker pack-relative-relocs
endif
RELEASE_BIN   = $(shell TMPDIR="$(TMPDIR)" $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/berth
RELEASE_STRIPPED = $(CURDIR)/.build/berth.stripped
DEBUG_DIR     = $(shell TMPDIR="$(TMPDIR)" $(SWIFT) build --show-bin-path)
MAN_DATE      ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%F)

.PHONY: all build deps install uninstall test test-steps remove-monitors-cgroup remove-runtime-directory install-check deb deb-check ansible-check man clean

all: build

# SwiftPM does not count the hot-function list or the linker script as inputs of the link: a
# binary older than either goes first, so the link that follows uses them as they are now.
build:
	@bin=$(RELEASE_BIN); for input in scripts/hot-functions.order scripts/rodata.ld; do \
		if [ $$input -nt "$$bin" ]; then rm -f "$$bin"; fi; \
	done
	$(SWIFT) build $(RELEASE_FLAGS) --product berth

# The Debian packages the build, the templates and the tests need (run as root).
deps:
	scripts/install-deps

# Every tool is a link to the one `berth` binary, which dispatches on the name it runs as.
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)
	@# The binary is stripped beside the build, then written 2 MiB at a time under a new name and
	@# renamed into place: a running monitor keeps the file it was started from, as with
	@# install(1), and a leftover berth.new goes first, so dd never writes through a link. Why not
	@# install -s: the page cache keeps a file in folios the size of the writes that made it.
	@# strip's small writes leave 4 KiB folios and a process maps its code a fault at a time; after
	@# 2 MiB writes the aligned text is mapped a huge page at a time (a berth-wait takes 84 page
	@# faults instead of 135). A file read back after eviction (reboot, memory pressure) comes in
	@# 2 MiB folios too on x86_64, where berth_entry asks for them before the first fault.
	strip -o $(RELEASE_STRIPPED) $(RELEASE_BIN)
	rm -f $(DESTDIR)$(BINDIR)/berth.new
	dd if=$(RELEASE_STRIPPED) of=$(DESTDIR)$(BINDIR)/berth.new bs=2M status=none
	chmod 0755 $(DESTDIR)$(BINDIR)/berth.new
	mv -f $(DESTDIR)$(BINDIR)/berth.new $(DESTDIR)$(BINDIR)/berth
	for tool in $$($(RELEASE_BIN) --list-tools); do \
		ln -sfn berth $(DESTDIR)$(BINDIR)/$$tool || exit 1; \
	done
	install -m 0755 templates/berth-* $(DESTDIR)$(DATADIR)/templates/
	@# Sourced by the templates, not run: no execute bit.
	install -m 0644 templates/image-meta.sh $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(DATADIR)/examples/cron.d
	install -m 0644 config/cron.d/berth-snapshot $(DESTDIR)$(DATADIR)/examples/cron.d/
	@# The units name the tools where this install puts them.
	install -d $(DESTDIR)$(SYSTEMDDIR)
	for unit in config/systemd/*.service; do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$unit > $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$unit) || exit 1; \
		chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$unit); \
	done
	@# bash completion, written by the binary from its tools' specs; bash-completion loads a
	@# file by the command's name, so each tool gets a link to it.
	install -d $(DESTDIR)$(COMPLETIONDIR)
	$(RELEASE_BIN) --completion bash > $(DESTDIR)$(COMPLETIONDIR)/berth
	chmod 0644 $(DESTDIR)$(COMPLETIONDIR)/berth
	for tool in $$($(RELEASE_BIN) --list-tools); do \
		ln -sfn berth $(DESTDIR)$(COMPLETIONDIR)/$$tool || exit 1; \
	done
	@# An admin's edited config stays; the shipped one lands beside it as FILE.dist.
	@for file in config/*.conf; do \
		target=$(DESTDIR)$(SYSCONFDIR)/$$(basename $$file); \
		if [ -e $$target ] && ! cmp -s $$file $$target; then \
			install -m 0644 $$file $$target.dist; \
			echo "kept $$target; the shipped version is $$target.dist"; \
		else \
			install -m 0644 $$file $$target; \
		fi; \
	done

uninstall:
	@# Only links that point at berth are removed, so an unrelated berth-* stays.
	@for link in $(DESTDIR)$(BINDIR)/berth-*; do \
		if [ -L $$link ] && [ "$$(readlink $$link)" = berth ]; then rm -f $$link; fi; \
	done
	@for link in $(DESTDIR)$(COMPLETIONDIR)/berth-*; do \
		if [ -L $$link ] && [ "$$(readlink $$link)" = berth ]; then rm -f $$link; fi; \
	done
	rm -f $(DESTDIR)$(COMPLETIONDIR)/berth
	rm -f $(DESTDIR)$(BINDIR)/berth $(DESTDIR)$(BINDIR)/berth.new
	rm -rf $(DESTDIR)$(DATADIR)
	for unit in config/systemd/*.service; do rm -f $(DESTDIR)$(SYSTEMDDIR)/$$(basename $$unit); done
	for page in man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$page); done
	for page in man/*.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$(basename $$page); done
	@for file in config/*.conf; do \
		target=$(DESTDIR)$(SYSCONFDIR)/$$(basename $$file); \
		if cmp -s $$file $$target; then rm -f $$target; else [ ! -e $$target ] || echo "left $$target (edited)"; fi; \
		rm -f $$target.dist; \
	done
	-rmdir $(DESTDIR)$(SYSCONFDIR) 2>/dev/null

# The unit and root integration tests against the debug build, then the same integration
# tests against a release install into a scratch DESTDIR: the binaries an admin gets.
# The debian end-to-end test runs on its own, after the others: its debootstrap and its 240 MB
# copies load the disk enough to stall the writes of tests running beside it.
# At the end, also after a failure, the host is left as it was: the monitors' shared cgroup
# (berth.monitors) that the tests' starts made goes (rmdir leaves it where a monitor still runs),
# and so does root's runtime directory with its seccomp cache when the tests made it.
test:
	@had_runtime=$$([ -e /run/berth ] && echo 1); \
	$(MAKE) --no-print-directory test-steps; status=$$?; \
	$(MAKE) --no-print-directory remove-monitors-cgroup; \
	[ -n "$$had_runtime" ] || $(MAKE) --no-print-directory remove-runtime-directory; \
	exit $$status

test-steps:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip DebianTemplateTests
	$(SWIFT) test --skip-build --filter DebianTemplateTests
	$(MAKE) install-check
	$(MAKE) deb-check
	$(MAKE) ansible-check

remove-monitors-cgroup:
	-@rmdir /sys/fs/cgroup/berth.monitors /sys/fs/cgroup/*/berth.monitors 2>/dev/null || true

# Only what the tests' starts leave once every container has stopped: a monitor's socket or lock
# still there keeps the directory.
remove-runtime-directory:
	-@rm -rf /run/berth/seccomp; rmdir /run/berth/macs /run/berth 2>/dev/null || true

install-check:
	@set -e; stage=$$(mktemp -d /tmp/berth-install-XXXXXX); \
	trap 'rm -rf "$$stage"' EXIT; \
	$(MAKE) --no-print-directory install DESTDIR=$$stage PREFIX=/usr >/dev/null; \
	bin=$$stage/usr/bin; \
	echo "installed: $$(ls $$bin | wc -l) entries in bin, berth is $$(du -k $$bin/berth | cut -f1) KiB"; \
	$$bin/berth-ls --version; \
	set -- $$(readelf -lW $$bin/berth | awk '$$1 == "LOAD" && $$8 == "E" { print $$2, $$3 }'); \
	test $$# = 2 && test $$(( $$1 % 0x200000 )) = 0 && test $$(( $$2 % 0x200000 )) = 0 || \
		{ echo "install-check: berth's text does not start on a 2 MiB boundary ($$*)"; exit 1; }; \
	flags=$$(readelf -SW $$bin/berth | sed 's/^ *\[ *[0-9]*\]//' | awk '$$1 == ".rodata" { print $$7 }'); \
	case "$$flags" in *W*|"") echo "install-check: berth's .rodata is writable or missing (flags '$$flags')"; exit 1;; esac; \
	if [ "$$(uname -m)" = x86_64 ]; then \
		entry=$$(readelf -hW $$bin/berth | awk '/Entry point/ { print $$4 }'); \
		set -- $$(readelf -SW $$bin/berth | sed 's/^ *\[ *[0-9]*\]//' | awk '$$1 == "berth.preamble" { print "0x" $$3, "0x" $$5 }'); \
		test $$# = 2 && test $$(( entry >= $$1 && entry < $$1 + $$2 )) = 1 || \
			{ echo "install-check: berth does not start at berth_entry (entry $$entry, berth.preamble $$*)"; exit 1; }; \
	fi; \
	test -x $$stage/usr/share/berth/templates/berth-debian; \
	test -f $$stage/etc/berth/default.conf; \
	test -f $$stage/usr/share/berth/examples/cron.d/berth-snapshot; \
	test -f $$stage/usr/share/man/man5/berth.container.conf.5; \
	grep -q '^ExecStart=/usr/bin/berth-start -n %i' $$stage/usr/lib/systemd/system/berth@.service; \
	grep -q '^ExecStart=/usr/bin/berth-net start' $$stage/usr/lib/systemd/system/berth-net.service; \
	test -L $$stage/usr/share/bash-completion/completions/berth-start; \
	BERTH_BIN_DIR=$$bin $(SWIFT) test --skip-build --filter BerthIntegrationTests --skip DebianTemplateTests

# A Debian package of the release build: the binary and its links, templates, man pages, units,
# completion, the cron example and /etc/berth as conffiles.
deb: build
	scripts/build-deb $(RELEASE_BIN)

# The package as an admin meets it: lintian, then dpkg -i on this machine, a container created
# and started from the packaged files, dpkg -r and --purge (DebianPackageTests).
deb-check: deb
	BERTH_DEB=$$(ls -t dist/berth_*.deb | head -1) $(SWIFT) test --skip-build --filter DebianPackageTests

# The Ansible collection's sanity tests (ansible-test, from Debian's ansible-core; its virtual
# environments come from PyPI). Its integration tests are AnsibleCollectionTests, run above.
ansible-check:
	ansible/scripts/ansible-test-bootstrap >/dev/null
	cd ansible/ansible_collections/berth/berth && ansible-test sanity --python 3.11

# Section 1 pages come from each tool's command-line definition (its ToolSpec), the config
# page from Berth's key table; both through berth-docgen. ManualTests fails when they are stale.
man:
	$(SWIFT) build
	for tool in $$($(DEBUG_DIR)/berth --list-tools); do \
		$(DEBUG_DIR)/berth-docgen $$tool "$(MAN_DATE)" > man/$$tool.1 || exit 1; \
	done
	$(DEBUG_DIR)/berth-docgen > man/berth.container.conf.5

clean:
	$(SWIFT) package clean
	rm -rf "$(CURDIR)/.build/tmp" "$(CURDIR)/.build/berth.stripped"
