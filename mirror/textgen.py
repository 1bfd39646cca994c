"""Synthetic copy for the mirror: English wire-style text for Kyodo, Indonesian for Inakoran.

Everything here is generated from small word banks with a caller-supplied `random.Random`, so the same
generator state always yields the same text. None of it is real reporting. Strings come out clean
(single spaces, NFC, no leading/trailing whitespace): the ground truth uses them as they are, and the
page renderers add the markup quirks (NBSP, soft hyphens, line breaks) that parsers must clean away.
"""

from __future__ import annotations

import random
import re

# --- English (Kyodo) --------------------------------------------------------------------------------

EN_SUBJECTS = [
    "Japan's government", "The Bank of Japan", "The Foreign Ministry", "Tokyo metropolitan officials",
    "A government panel of experts", "The ruling coalition", "Opposition lawmakers", "Local residents",
    "Major business lobbies", "The health ministry", "Prefectural police", "Tournament organizers",
    "Researchers at a national university", "The transport ministry", "A regional power utility",
    "Fishermen in the area", "The education ministry", "Airline operators", "Municipal governments",
]
EN_HEAD_SUBJECTS = [
    "Japan", "BOJ", "Tokyo", "Gov't panel", "Ruling bloc", "Opposition", "Hokkaido town", "Osaka",
    "Health ministry", "Police", "Researchers", "Transport ministry", "Utility", "Fishermen", "Airlines",
]
EN_VERBS = [
    ("announced plans to expand", "to expand"), ("will review", "to review"),
    ("agreed to strengthen", "agrees to strengthen"), ("began considering new rules on", "mulls new rules on"),
    ("pledged to support", "pledges support for"), ("unveiled a plan to overhaul", "unveils plan to overhaul"),
    ("called for stricter oversight of", "seeks stricter oversight of"), ("moved to delay", "delays"),
    ("set a new target for", "sets target for"), ("warned against cuts to", "warns against cuts to"),
]
EN_OBJECTS = [
    "disaster preparedness", "regional rail services", "subsidies for small businesses",
    "visa procedures for tourists", "offshore wind projects", "support for rice farmers",
    "child care programs", "data center investment", "coastal defenses", "chip supply chains",
    "elderly care services", "hydrogen fueling stations", "cashless payments at shrines",
    "night train routes", "school lunch prices", "port security", "the R&D tax credit",
]
EN_CONTEXTS = [
    "amid rising costs", "after months of debate", "ahead of next year's budget", "as demand recovers",
    "following a series of heavy rains", "in a bid to revive local economies",
    "despite concerns from business leaders", "as the population ages", "before the summer holidays",
]
EN_SOURCES = ["officials said", "according to people familiar with the matter", "a senior official said",
              "the ministry said in a statement", "local media reported", "a spokesperson said"]
EN_QUOTES = [
    "We cannot afford to wait any longer", "This is a first step, not the last one",
    "The numbers speak for themselves", "People here want stability more than anything",
    "We will keep listening to the communities affected", "It's a difficult balance to strike",
]
EN_SPEAKERS = ["an official in charge of the plan", "a resident in her 70s", "the mayor",
               "a senior economist at a Tokyo think tank", "one of the organizers", "a union representative"]
EN_PLACES = ["Sapporo", "Sendai", "Nagoya", "Kobe", "Hiroshima", "Fukuoka", "Kagoshima", "Niigata", "Kanazawa"]
KYODO_DATELINES = ["TOKYO"] * 6 + ["OSAKA", "WASHINGTON", "BEIJING", "SEOUL", "CHIBA, Japan",
                                    "NAHA, Japan", "NEW YORK", "SAPPORO", "BANGKOK"]
AP_DATELINES = ["WASHINGTON", "NEW YORK", "LONDON", "BANGKOK", "NEW DELHI", "GENEVA", "SYDNEY"]

# People (synthetic names)
JP_GIVEN = ["Takuya", "Mika", "Kenji", "Aiko", "Haruto", "Yui", "Daisuke", "Noriko", "Shota", "Emi"]
JP_FAMILY = ["Karube", "Ishida", "Morimoto", "Tanabe", "Okura", "Fujisawa", "Hirano", "Sugita", "Nakai"]
AP_GIVEN = ["BEN", "LAURA", "DAVID", "MARIA", "JAMES", "SARAH", "ALEX", "NINA", "PETER", "RUTH"]
AP_FAMILY = ["FARLOW", "HENNING", "KOVACS", "MENDEZ", "OKAFOR", "LINDQVIST", "BRANNIGAN", "TORVIK"]
PHOTOGRAPHERS = ["Jane Ellery", "Tom Brisco", "Ana Vela", "Ravi Menon", "Lee Park"]

CAPTION_SUBJECTS = ["Commuters wait for a train", "Officials attend a meeting", "Visitors walk through a market",
                    "A fishing boat returns to port", "Students line up outside a venue",
                    "Workers inspect a damaged road", "Wrestlers face off in the ring", "Tourists photograph a shrine"]


def _sentence_en(rng: random.Random, place: str) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return f"“{rng.choice(EN_QUOTES)},” said {rng.choice(EN_SPEAKERS)}."
    if kind == 1:
        return (f"The measure would cost about {rng.randint(2, 950)} billion yen, "
                f"{rng.choice(EN_SOURCES)}.")
    if kind == 2:
        return (f"In {place}, {rng.randint(3, 97)} percent of respondents to a survey said they supported "
                f"changes to {rng.choice(EN_OBJECTS)}.")
    subject = rng.choice(EN_SUBJECTS)
    verb = rng.choice(EN_VERBS)[0]
    return f"{subject} {verb} {rng.choice(EN_OBJECTS)} {rng.choice(EN_CONTEXTS)}, {rng.choice(EN_SOURCES)}."


def paragraphs_en(rng: random.Random, count: int) -> list[str]:
    place = rng.choice(EN_PLACES)
    return [" ".join(_sentence_en(rng, place) for _ in range(rng.randint(1, 3))) for _ in range(count)]


def headline_en(rng: random.Random) -> str:
    subject = rng.choice(EN_HEAD_SUBJECTS)
    verb = rng.choice(EN_VERBS)[1]
    text = f"{subject} {verb} {rng.choice(EN_OBJECTS)}"
    if rng.random() < 0.4:
        text += " " + rng.choice(EN_CONTEXTS)
    return text


def lead_en(rng: random.Random) -> str:
    subject = rng.choice(EN_SUBJECTS)
    return (f"{subject} {rng.choice(EN_VERBS)[0]} {rng.choice(EN_OBJECTS)} on "
            f"{rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'])}, "
            f"{rng.choice(EN_CONTEXTS)}.")


def person_jp(rng: random.Random) -> str:
    return f"{rng.choice(JP_GIVEN)} {rng.choice(JP_FAMILY)}"


def people_ap(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(AP_GIVEN)} {rng.choice(AP_FAMILY)}"
        if name not in names:
            names.append(name)
    return names


def caption_en(rng: random.Random, when: str) -> str:
    return f"{rng.choice(CAPTION_SUBJECTS)} in {rng.choice(EN_PLACES)} on {when}."


# --- Indonesian (Inakoran) --------------------------------------------------------------------------

ID_SUBJECTS = [
    "Pemerintah provinsi", "Bank Indonesia", "Kementerian Perdagangan", "Para pelaku usaha",
    "Warga setempat", "Pemerintah Kota Singkawang", "Komunitas Tionghoa setempat", "Dinas Pariwisata",
    "Asosiasi pengusaha", "Otoritas Jasa Keuangan", "Para petani", "Kedutaan Besar Jepang",
]
ID_VERBS = ["berencana memperluas", "akan meninjau", "sepakat memperkuat", "mendorong peningkatan",
            "menyiapkan aturan baru tentang", "menyambut baik", "meminta evaluasi terhadap", "mendukung"]
ID_OBJECTS = [
    "program bantuan sosial", "ekspor produk pertanian", "perayaan Imlek tahun ini",
    "layanan transportasi publik", "investasi di sektor energi", "kerja sama perdagangan dengan Tiongkok",
    "pelestarian budaya peranakan", "harga bahan pokok", "pariwisata daerah", "usaha kecil dan menengah",
    "pendidikan bahasa Mandarin", "kerja sama pertahanan",
]
ID_CONTEXTS = ["di tengah kenaikan harga", "menjelang akhir tahun", "setelah pertemuan pekan lalu",
               "demi mendorong pertumbuhan ekonomi", "meski masih ada sejumlah kendala", "pada Kamis (17/10)"]
ID_QUOTES = ["Kami berharap langkah ini membawa manfaat bagi masyarakat",
             "Ini baru permulaan, masih banyak yang harus dikerjakan",
             "Kerja sama ini penting untuk kedua belah pihak", "Semua pihak harus terlibat"]
ID_SPEAKERS = ["kata seorang pejabat setempat", "ujar ketua panitia", "kata pengamat ekonomi",
               "tambahnya", "kata salah satu warga"]
INA_CITIES = ["Jakarta"] * 6 + ["Surabaya", "Medan", "Bandung", "Pontianak", "Singkawang", "Semarang",
                                 "Beijing", "Tokyo"]
INA_AUTHORS = ["Binsar", "Sarah", "Putri", "Hendra", "Very", "Dimas", "Lia", "Ricky", "Wulan", "Ferry"]
ID_CAPTIONS = ["Suasana pertemuan para pejabat", "Warga memadati lokasi acara", "Para peserta berfoto bersama",
               "Pedagang melayani pembeli di pasar", "Menteri memberikan keterangan kepada wartawan"]


def _sentence_id(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"“{rng.choice(ID_QUOTES)},” {rng.choice(ID_SPEAKERS)}."
    if kind == 1:
        return f"Nilai program tersebut diperkirakan mencapai Rp {rng.randint(2, 900)} miliar."
    return (f"{rng.choice(ID_SUBJECTS)} {rng.choice(ID_VERBS)} {rng.choice(ID_OBJECTS)} "
            f"{rng.choice(ID_CONTEXTS)}.")


def paragraphs_id(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence_id(rng) for _ in range(rng.randint(1, 3))) for _ in range(count)]


def headline_id(rng: random.Random) -> str:
    text = f"{rng.choice(ID_SUBJECTS)} {rng.choice(ID_VERBS)} {rng.choice(ID_OBJECTS)}"
    return " ".join(word[:1].upper() + word[1:] for word in text.split())


def caption_id(rng: random.Random, when: str) -> str:
    return f"{rng.choice(ID_CAPTIONS)} di {rng.choice(INA_CITIES)} pada {when}"


# --- helpers -----------------------------------------------------------------------------------------

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, limit: int = 60) -> str:
    slug = _SLUG_STRIP.sub("-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "berita"


def hexdigest(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))
