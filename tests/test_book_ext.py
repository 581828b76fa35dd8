"""The book's Sphinx extension: pybtex's plugin lookup is cached, and still finds the same plugins."""
from __future__ import annotations

import subprocess
import sys

from helpers import paths

SCRIPT = r"""
import sys
sys.path.insert(0, {ext!r})
import pybtex.plugin
from pybtex.plugin import find_plugin, register_plugin

calls = []
real = pybtex.plugin.entry_points
def counting(**kw):
    calls.append(kw)
    return real(**kw)
pybtex.plugin.entry_points = counting

before = [find_plugin("pybtex.backends", "plaintext"), find_plugin("pybtex.style.formatting", "plain")]
import book_ext
book_ext._cache_entry_points()
book_ext._cache_entry_points()          # a second setup must not wrap the cache again
calls.clear()
for _ in range(200):
    after = [find_plugin("pybtex.backends", "plaintext"), find_plugin("pybtex.style.formatting", "plain")]
assert after == before, (after, before)
assert len(calls) == 2, f"{{len(calls)}} scans of the installed entry points for 400 look-ups"

class Mine(pybtex.plugin.Plugin):
    pass
register_plugin("pybtex.backends", "plaintext", Mine, force=True)
assert find_plugin("pybtex.backends", "plaintext") is Mine, "a plugin registered at run time must win"
print("ok")
"""


def test_pybtex_plugin_lookup_is_cached_and_unchanged():
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(ext=str(paths.ROOT / "_ext"))],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
