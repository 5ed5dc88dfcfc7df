"""dtindex: build, analyse and publish digital- and AI-transformation indices."""

from __future__ import annotations

__version__ = "0.1.0"
