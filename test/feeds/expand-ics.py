"""Expands an iCalendar feed read from stdin with python3-icalendar and python3-dateutil.

An independent reference for the feed tests: icalendar parses the text; each VEVENT's TZID is
applied with zoneinfo (a naive wall-time expansion by dateutil, then the zone with fold=0, which is
RFC 5545 §3.3.5); EXDATEs remove occurrences and RECURRENCE-ID components replace them.
Prints JSON: {"events": [[startUTC, endUTC, summary, class], ...], "method": ..., "tzids": [...]}.
Argument: the end of the expansion window (UTC ISO instant).
"""

import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar

until = datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00"))
cal = Calendar.from_ical(sys.stdin.read())


def wall(prop):
    """The property's value as a naive wall time and its zone (TZID param, or UTC)."""
    dt = prop.dt
    tzid = prop.params.get("TZID")
    if tzid:
        return dt.replace(tzinfo=None), ZoneInfo(str(tzid))
    return dt.astimezone(timezone.utc).replace(tzinfo=None), timezone.utc


def place(naive, zone):
    return naive.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


masters, overrides, out = [], {}, []
for ev in cal.walk("VEVENT"):
    if ev.get("RECURRENCE-ID") is not None:
        rid_naive, rid_zone = wall(ev["RECURRENCE-ID"])
        overrides[(str(ev["UID"]), place(rid_naive, rid_zone))] = ev
    else:
        masters.append(ev)


def emit(ev):
    s_naive, s_zone = wall(ev["DTSTART"])
    e_naive, e_zone = wall(ev["DTEND"])
    out.append([iso(place(s_naive, s_zone)), iso(place(e_naive, e_zone)), str(ev["SUMMARY"]), str(ev.get("CLASS", ""))])


for ev in masters:
    if ev.get("RRULE") is None:
        emit(ev)
        continue
    s_naive, zone = wall(ev["DTSTART"])
    e_naive, _ = wall(ev["DTEND"])
    length = e_naive - s_naive
    rule = ev["RRULE"].to_ical().decode()
    # UNTIL is UTC (Z); dateutil compares it with the naive wall times, so give it as wall time too.
    if "UNTIL=" in rule:
        parts = dict(p.split("=", 1) for p in rule.split(";"))
        u = datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        parts["UNTIL"] = u.astimezone(zone).replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")
        rule = ";".join(f"{k}={v}" for k, v in parts.items())
    excluded = set()
    exdates = ev.get("EXDATE")
    if exdates is not None:
        for group in exdates if isinstance(exdates, list) else [exdates]:
            tzid = group.params.get("TZID")
            for d in group.dts:
                naive = d.dt.replace(tzinfo=None) if tzid else d.dt.astimezone(timezone.utc).replace(tzinfo=None)
                excluded.add(place(naive, ZoneInfo(str(tzid)) if tzid else timezone.utc))
    uid = str(ev["UID"])
    for naive in rrulestr(rule, dtstart=s_naive):
        start = place(naive, zone)
        if start >= until:
            break
        if start in excluded:
            continue
        if (uid, start) in overrides:
            emit(overrides[(uid, start)])
            continue
        out.append([iso(start), iso(place(naive + length, zone)), str(ev["SUMMARY"]), str(ev.get("CLASS", ""))])

print(json.dumps({
    "events": sorted(out),
    "method": str(cal.get("METHOD", "")),
    "tzids": [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")],
}))
