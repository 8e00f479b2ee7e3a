"""Make ``residual_core/data/mnist1d.npz``: the MNIST-1D data set (Greydanus 2020) that the /why page trains on.

The app never imports ``mnist1d`` (nor its dependencies scipy and matplotlib): it loads the arrays this script
wrote. To regenerate them (the result is byte-for-byte the same arrays, since the package fixes its own seed)::

    python -m venv --system-site-packages /tmp/mnist1d-venv
    /tmp/mnist1d-venv/bin/pip install mnist1d==0.0.2.post1
    /tmp/mnist1d-venv/bin/python scripts/make_mnist1d.py

The data set is generated, not downloaded: ``mnist1d.data.make_dataset`` with the package's default arguments
(``get_dataset_args()``: 5000 samples, 4000 train / 1000 test, 40 features, 10 classes, seed 42). MNIST-1D is
licensed under the Apache License 2.0 (``residual_core/data/mnist1d.LICENSE``, copied from the package).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "residual_core" / "data" / "mnist1d.npz"


def main() -> None:
    import mnist1d
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    data = make_dataset(args)
    arrays = {
        "x_train": data["x"].astype(np.float32),
        "y_train": data["y"].astype(np.uint8),
        "x_test": data["x_test"].astype(np.float32),
        "y_test": data["y_test"].astype(np.uint8),
        "t": np.asarray(data["t"], dtype=np.float32),
    }
    meta = {k: v for k, v in vars(args).items() if k != "url"}
    arrays["about"] = np.array(
        f"MNIST-1D (Greydanus 2020), mnist1d {getattr(mnist1d, '__version__', '0.0.2.post1')}, "
        f"make_dataset(get_dataset_args()) with {meta}; Apache License 2.0"
    )
    np.savez_compressed(OUT, **arrays)
    digest = hashlib.sha256(b"".join(arrays[k].tobytes() for k in ("x_train", "y_train", "x_test", "y_test")))
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
    for k in ("x_train", "y_train", "x_test", "y_test"):
        print(f"  {k}: {arrays[k].shape} {arrays[k].dtype}")
    print(f"  sha256 of the four arrays: {digest.hexdigest()}")


if __name__ == "__main__":
    main()
