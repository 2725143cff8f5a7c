"""Sets the demo up for scripts/fuzz-api and writes its schemathesis configuration.

It opens the station user's station (the fuzzer would seldom send the one body that opens it:
its officials present, the empty box and the zero reports shown, the forms counted), and writes the demo's own codes as
dictionaries that the fuzzer draws a path, query or body value from half of the time (making
one up the other half), so that it reaches past "not found" into what the operations do: the
station's staff checking in voters of its roll, the HQ reading and changing real stations,
boards and people.

    python fuzz_api_setup.py BASE_URL HQ_TOKEN STATION_TOKEN DEMO_LOG OUT_TOML
"""

import json
import re
import sys

import requests

base, hq, station_token, demo_log, out = sys.argv[1:6]
api = f"{base}/api/v1"


def get(path, token=hq):
    r = requests.get(f"{api}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    r.raise_for_status()
    return r.json()


me = get("/auth/me", station_token)
own_station = me["scope"]["station"]
# A small demo may leave the station without the head or the governor's representative, without
# whom it does not open, and everyone serving elsewhere: the HQ moves a secretary or member of
# another station (the small demo's people serve the first counties) to each missing post.
held = {a["post"] for a in get(f"/stations/{own_station}/staff")}
refused = []
movable = [
    (s["code"], a["post"], a["national_id"])
    for s in get("/stations?per_page=20")["items"]
    if s["code"] != own_station
    for a in get(f"/stations/{s['code']}/staff")
    if a["post"] not in ("head", "governor_rep", "inspector")
]
for post in ("head", "governor_rep"):
    while post not in held and movable:
        station, their_post, national_id = movable.pop(0)
        auth = {"Authorization": f"Bearer {hq}"}
        freed = requests.delete(f"{api}/stations/{station}/staff/{their_post}", headers=auth, timeout=30)
        given = requests.put(
            f"{api}/stations/{own_station}/staff/{post}",
            headers=auth,
            json={"national_id": national_id},
            timeout=30,
        )
        refused.append(f"{post} {national_id}: {freed.status_code} {given.status_code} {given.text[:160]}")
        if given.ok:
            held.add(post)
# Present: exactly the opening's posts that have holders (the record never claims a vacant one).
presence = {post: post in held for post in ("head", "governor_rep", "inspector")}
opened = requests.post(
    f"{api}/stations/{own_station}/open",
    headers={"Authorization": f"Bearer {station_token}"},
    json={"presence": presence, "empty_box_shown": True, "zero_reports_shown": True, "forms_received": 400},
    timeout=30,
)
if not opened.ok:
    sys.exit(
        f"fuzz_api_setup: station {own_station} did not open: {opened.status_code} {opened.text}"
        f" (the posts' last answers: {refused[-3:]})"
    )
own_county = me["scope"]["county"]
election = get("/elections/current")["code"]
stations = [own_station] + [s["code"] for s in get(f"/stations?county={own_county}&per_page=4")["items"]]
own_council = get(f"/stations/{own_station}")["council"]
councils = [own_council] + [c["code"] for c in get(f"/councils?county={own_county}&per_page=4")["items"]]
counties = [c["code"] for c in get("/counties")["items"]][:5] + [own_county]
boards = [b["code"] for b in get("/boards") if b["county"] in (None, own_county)]
people = [p["national_id"] for p in get("/people?q=0&per_page=5")["items"]]
registrations = get(f"/registrations?county={own_county}&per_page=5")["items"] or get(
    "/registrations?per_page=5"
)["items"]
tracking_codes = [r["tracking_code"] for r in registrations]
applicants = [r["national_id"] for r in registrations]
# `sandoq demo` prints a few voters who may vote at the station user's station.
match = re.search(r"voters who may vote at station \d+ .*\): ([\d ]+)$", open(demo_log).read(), re.M)
voters = match.group(1).split() if match else []
posts = ["head", "secretary_1", "secretary_2", "member_1", "member_2", "governor_rep", "inspector"]

dictionaries = {
    "stations": list(dict.fromkeys(stations)),
    "councils": list(dict.fromkeys(councils)),
    "counties": counties,
    "boards": boards,
    "elections": [election],
    "people": people,
    "voters": voters or people,
    "tracking_codes": tracking_codes,
    "applicants": applicants,
    "posts": posts,
}
for name, values in dictionaries.items():
    if not values:
        sys.exit(f"fuzz_api_setup: the demo has no {name}")



# Which dictionary a path parameter draws from, by the operation's path.
operations = [
    (r"^/api/v1/stations/\{code\}", {"path.code": "stations", "path.post": "posts"}),
    (r"^/api/v1/councils/\{code\}", {"path.code": "councils"}),
    (r"^/api/v1/counties/\{code\}", {"path.code": "counties"}),
    (r"^/api/v1/boards/\{code\}", {"path.code": "boards", "path.national_id": "people"}),
    (r"^/api/v1/elections/\{code\}", {"path.code": "elections"}),
    (r"^/api/v1/people/\{national_id\}", {"path.national_id": "people"}),
    (
        r"^/api/v1/registrations/\{tracking_code\}",
        {"path.tracking_code": "tracking_codes", "query.national_id": "applicants", "body.national_id": "applicants"},
    ),
    (r"^/api/v1/checkins$", {"body.station": "stations", "body.national_id": "voters"}),
    (r"^/api/v1/people$", {"body.national_id": "people"}),
    (r"^/api/v1/stations$", {"body.county": "counties", "body.council": "councils"}),
]


def toml(value):
    return json.dumps(value, ensure_ascii=False)


lines = []
for name, values in dictionaries.items():
    lines.append(f"[dictionaries.{name}]")
    lines.append(f"values = {toml(values)}")
    lines.append("")
lines.append("[parameters]")
lines.append(f'"query.county" = {{ dictionary = "counties", probability = 0.5 }}')
lines.append(f'"query.council" = {{ dictionary = "councils", probability = 0.5 }}')
lines.append("")
for regex, parameters in operations:
    lines.append("[[operations]]")
    lines.append(f"include-path-regex = {toml(regex)}")
    lines.append("[operations.parameters]")
    for key, dictionary in parameters.items():
        lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = 0.5 }}')
    lines.append("")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines))
