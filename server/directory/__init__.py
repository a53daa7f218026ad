"""Directory: the reference data every part reads and every client picks from.

Regions by GB/T 2260 (province → city → county), institutions (医疗机构) with their approval authorities, and each
institution's departments (科室). Other parts use ``server.directory.api``; the public look-ups are in ``routes.py``.
"""
