"""Words that start with a period word and are not one (朝食, 夜景, 午後の紅茶): shared by the
look-alikes, which claim them, and by the day forms, which must not read their period."""

from __future__ import annotations

COMPOUNDS = (
    "(?:"
    "朝食|朝ごはん|朝ご飯|朝御飯|朝飯|朝礼|朝刊|朝活|朝練|朝日|朝顔|朝市|朝焼け|朝風呂|朝晩"
    "|昼食|昼ごはん|昼ご飯|昼御飯|昼飯|昼休み|昼寝|昼間|昼下がり"
    "|夕食|夕飯|夕ごはん|夕ご飯|夕刊|夕日|夕焼け|夕立"
    "|夜食|夜ごはん|夜ご飯|夜勤|夜景|夜更かし|夜行|夜空"
    "|晩ごはん|晩ご飯|晩御飯|晩飯|晩酌|午後の紅茶|午前様"
    ")"
)
