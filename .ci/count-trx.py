"""Sums the outcome counters of every .trx file under a folder: prints 'passed failed skipped'."""
import pathlib
import sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for trx in pathlib.Path(sys.argv[1]).rglob("*.trx"):
    counters = ET.parse(trx).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0)) + int(counters.get("inconclusive", 0))
print(passed, failed, skipped)
