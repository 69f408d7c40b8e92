# Debian's chromium for the report's browser tests (tests/report/test_browser.py), which
# Playwright's Python package drives through executable_path: Playwright's own browser
# download cannot reach its host from here. Included from the Makefile; `test-main` depends
# on `browser`, so CI installs it and the tests run there.
CHROMIUM ?= /usr/bin/chromium
# Under make a missing browser fails the browser tests instead of skipping them.
export MENTALBENCH_REQUIRE_BROWSER := 1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: browser

browser: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium \
		|| ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium)
