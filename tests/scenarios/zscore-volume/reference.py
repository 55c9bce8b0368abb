#!/usr/bin/env python3
"""Writes expected.csv for this scenario with zscore-eurusd's independent computation (see its
reference.py), on this folder's bars.csv, period and start. Run from anywhere: python3 reference.py
"""

import runpy
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ among the scenario folders
HERE = Path(__file__).resolve().parent
runpy.run_path(str(HERE.parent / "zscore-eurusd" / "reference.py"), run_name="zscore_reference")["main"](HERE)
