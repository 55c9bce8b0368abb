#!/usr/bin/env python3
"""Writes expected.csv for this scenario with swings-warm-up's reference.py (its WARM_UP read from
this folder's scenario.yaml). Run from anywhere: python3 reference.py"""

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    spec = importlib.util.spec_from_file_location("warm_up_reference", HERE.parent / "swings-warm-up" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(HERE)
