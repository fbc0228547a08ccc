"""Names of days and months in the spellings people type: kanji, kana, English and its
abbreviations. Shared by the day, recurring and leftover forms."""

from __future__ import annotations

WEEKDAY_KANJI = "月火水木金土日"
KANA_WEEKDAYS = ("げつ", "か", "すい", "もく", "きん", "ど", "にち")
EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EN_ABBREVIATIONS = {
    "mon": 0,
    "tue": 1,
    "tues": 1,
    "wed": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
}
EN_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
EN_MONTH = "|".join(sorted(EN_MONTHS, key=len, reverse=True))
EN_WEEKDAY = "|".join([*EN_WEEKDAYS, *sorted(EN_ABBREVIATIONS, key=len, reverse=True)])
