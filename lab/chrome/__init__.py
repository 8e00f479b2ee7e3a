"""Page chrome: what every page has around its content, the same on every page.

The page's set-up pieces and the navigation (:mod:`~lab.chrome.nav`), notices at the top of the page
(:mod:`~lab.chrome.notices`), URL-bound controls (:mod:`~lab.chrome.controls`), "Share this view" and links between
pages (:mod:`~lab.chrome.share`), presenter mode (:mod:`~lab.chrome.present`), numbers and plain text in Markdown
(:mod:`~lab.chrome.text`).

The bottom layer of :mod:`lab`: it imports nothing else of ``lab``. What sits on top of it (the classroom's scene
values, the warm-up) is handed to it by :func:`lab.page`, never imported (``tests/lab/test_layering.py``).
"""
