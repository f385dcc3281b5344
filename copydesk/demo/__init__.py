"""The bundled demo world of fake news sites (see docs/demo.md).

>>> from copydesk.demo import DemoWorld
>>> with DemoWorld() as world:
...     world.urls            # outlet -> "http://127.0.0.N:PORT", one loopback address per outlet
...     world.pages()         # ground truth of the published article pages
"""

from .world import OUTLETS, DemoPage, DemoWorld, RequestRecord, comparable

__all__ = ["DemoWorld", "DemoPage", "RequestRecord", "OUTLETS", "comparable"]
