"""Grammatical gender hints for pronoun resolution ("she said" -> the last named woman).

Only a hint: common given names and honorifics ("Mr.", "Ms."). Unknown names stay
compatible with every pronoun.  Pure data and functions; thread-safe.
"""

from __future__ import annotations

import re

_FEMALE_NAMES = """
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret
sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca
sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha
katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce
virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline
martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace
denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte
marie kayla alexis lori ella claire chloe zoe lily nora leah aisha fatima priya ananya mei yuki
sofia lucia elena ana carmen rosa isabel valentina camila gabriela mariana paula ines ingrid
astrid freya greta hanna katarina olga svetlana natasha irina tatiana agnes fiona moira isla
morag eilidh siobhan aoife niamh sinead rosa renee renée marisol allison ellen erin amara tessa
hailey jenny dottie dorothy marlene alma ruth iris lena nadia evelyn marguerite felicia moira
priscilla yolanda esperanza guadalupe xiomara beatriz leticia patrice latoya keisha tanisha
"""
_MALE_NAMES = """
james robert john michael david william richard joseph thomas charles christopher daniel matthew
anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason
jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel
gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas
zachary peter kyle noah ethan jeremy walter christian keith roger terry austin sean gerald carl
harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan albert willie alan
eugene russell vincent philip bobby johnny bradley roy ralph randy wayne howard juan carlos luis
miguel jorge pedro antonio manuel francisco diego alejandro javier rafael fernando ricardo sergio
mohammed muhammad ahmed ali omar hassan ibrahim yusuf rahul arjun vikram raj hiroshi kenji takeshi
wei jian ming hans klaus jurgen stefan lars sven erik olaf ivan sergei sergey dmitri vladimir igor
pierre jean jacques francois luca marco giovanni matteo hamish colm seamus eoin dale luis derek
esteban rodrigo tom terrence malik owen victor carl kenneth jamal dale martin theo douglas marcus
dev ravi kai leo hugo felix oscar max ben sam
"""
FEMALE = frozenset(_FEMALE_NAMES.split())
MALE = frozenset(_MALE_NAMES.split())
_HONORIFIC_RE = re.compile(r"\b(Mr|Mrs|Ms|Miss|Sir|Dame|Lord|Lady)\.?\s+([A-ZÀ-Þ][\w'’-]+)")


def honorific_genders(text: str) -> dict[str, str]:
    """{surname: "m"|"f"} from "Mr. Smith" / "Ms. Jones" in the text."""
    out: dict[str, str] = {}
    for m in _HONORIFIC_RE.finditer(text):
        out.setdefault(m.group(2), "m" if m.group(1) in ("Mr", "Sir", "Lord") else "f")
    return out


def gender_of(name: str, honorifics: dict[str, str] | None = None) -> str | None:
    """"f", "m" or None (unknown) for a person's name."""
    words = name.split()
    if not words:
        return None
    if honorifics and words[-1] in honorifics:
        return honorifics[words[-1]]
    first = words[0].lower().strip(".")
    if first in FEMALE and first not in MALE:
        return "f"
    if first in MALE and first not in FEMALE:
        return "m"
    return None


def compatible(pronoun: str, gender: str | None) -> bool:
    if gender is None:
        return True
    if pronoun in ("he", "him", "his"):
        return gender == "m"
    if pronoun in ("she", "her", "hers"):
        return gender == "f"
    return True
