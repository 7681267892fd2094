#!/usr/bin/env python3
"""Prints each failed test of the given TRX reports with the first lines of its message, so that the end of a
long test run says which tests failed and why."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        print(f"  {path}: unreadable report ({error})")
        continue
    for result in root.iterfind(".//t:UnitTestResult[@outcome='Failed']", NS):
        print(f"  {result.get('testName')}")
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        for line in message.splitlines()[:4]:
            print(f"      {line[:300]}")
