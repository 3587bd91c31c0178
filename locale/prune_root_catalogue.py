"""Drop from the root catalogue (LOCALE_PATHS: the pages' templates) every entry an app's
catalogue already holds. LOCALE_PATHS comes first when Django looks a string up, so a root
entry would override the app's translation; `make messages` runs this after makemessages.
Usage: python locale/prune_root_catalogue.py APP [APP ...]"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent
LANGS = ("sv", "en")


def main(apps):
    held = set()
    for app in apps:
        for lang in LANGS:
            po = ROOT.parent / app / "locale" / lang / "LC_MESSAGES" / "django.po"
            if po.exists():
                held |= {(e.msgctxt, e.msgid) for e in polib.pofile(str(po)) if not e.obsolete}
    for lang in LANGS:
        path = ROOT / lang / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path), wrapwidth=79)
        for entry in [e for e in po if (e.msgctxt, e.msgid) in held or e.obsolete]:
            po.remove(entry)
        po.save()


if __name__ == "__main__":
    main(sys.argv[1:])
