"""The short-lived process that turns one Vega-Lite document into an SVG or PNG file with vl-convert.

Run by :func:`residual_core.charts.export.render_in_worker` as ``python render_worker.py svg|png [SCALE]``: the
document (JSON) on stdin, the file's bytes on stdout, a one-line error on stderr and exit status 1 on failure.
It is started by its path, so it imports nothing but the standard library and vl-convert: vl-convert's JavaScript
engine (about 80-130 MB) lives only as long as this process, never in the app's server.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    fmt = argv[1] if len(argv) > 1 else "svg"
    scale = float(argv[2]) if len(argv) > 2 else 2.0
    try:
        import vl_convert

        spec = json.loads(sys.stdin.buffer.read())
        if fmt == "svg":
            data = vl_convert.vegalite_to_svg(spec).encode()
        elif fmt == "png":
            data = vl_convert.vegalite_to_png(spec, scale=scale)
        else:
            raise ValueError(f"unknown format {fmt!r} (svg or png)")
    except Exception as err:  # one line for the app's log, never a traceback on a page
        sys.stderr.write(f"render_worker: {type(err).__name__}: {err}\n")
        return 1
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
