"""Sums dotnet test's per-assembly summary lines in a log: prints 'passed failed skipped'."""
import re
import sys

pattern = re.compile(r"(?:Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)")
passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        m = pattern.search(line)
        if m:
            failed += int(m.group(1))
            passed += int(m.group(2))
            skipped += int(m.group(3))
print(passed, failed, skipped)
