"""Look up cities and provinces by code, Chinese name, short name or pinyin."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from numbers import Integral
from typing import NamedTuple

import numpy as np
import pandas as pd

from dtindex.errors import (
    DataError,
    describe_rows,
)

from .tables import (
    _CITY_ALT_EN,
    _CITY_COLUMNS,
    _CODE_RE,
    _EN_TYPE_SUFFIXES,
    _PROVINCE_ALT_EN,
    City,
    Province,
    _cities_table,
    _memberships,
    _provinces_table,
)

# --------------------------------------------------------------------------- keys


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _text_key(text: str) -> str:
    """Chinese key: NFKC, whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _latin_key(text: str) -> str:
    """Latin key: accents dropped (ü -> u), case folded, only a-z and 0-9 kept (Xi'an -> xian)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", stripped.casefold())


def _latin_variants(text: str) -> list[str]:
    """Latin keys of a name: the plain key, and with ü typed as v (Lüliang -> lvliang)."""
    keys = [_latin_key(text)]
    if "ü" in text.casefold():
        keys.append(_latin_key(text.replace("ü", "v").replace("Ü", "V")))
    return keys


def _english_stem(name_en: str) -> str | None:
    """Place part of a typed English name ("Enshi Tujia and Miao Autonomous Prefecture": Enshi)."""
    if " Autonomous " in name_en:
        return name_en.split(" ", 1)[0]
    for suffix in _EN_TYPE_SUFFIXES:
        if name_en.endswith(suffix):
            return name_en[: -len(suffix)]
    return None


class _Keys(NamedTuple):
    by_code: dict[str, object]
    text: dict[str, tuple[str, ...]]
    latin: dict[str, tuple[str, ...]]
    text_label: dict[str, str]
    latin_label: dict[str, str]


def _add(index: dict[str, tuple[str, ...]], key: str, code: str) -> None:
    if key and code not in index.get(key, ()):
        index[key] = index.get(key, ()) + (code,)


@lru_cache(maxsize=None)
def _province_keys() -> _Keys:
    table = _provinces_table()
    by_code: dict[str, object] = {}
    text: dict[str, tuple[str, ...]] = {}
    latin: dict[str, tuple[str, ...]] = {}
    for code, name, short, name_en, region in table.itertuples(index=False, name=None):
        by_code[code] = Province(code, name, short, name_en, region)
        for key in (name, short):
            _add(text, _text_key(key), code)
        for spelling in (name_en, *_PROVINCE_ALT_EN.get(code, ())):
            for key in _latin_variants(spelling):
                _add(latin, key, code)
    labels = dict(zip(table["adcode"], table["short_name"]))
    return _Keys(by_code, text, latin, labels, dict(zip(table["adcode"], table["name_en"])))


@lru_cache(maxsize=None)
def _city_keys() -> _Keys:
    table = _cities_table()
    provs = _province_keys().by_code
    members = _memberships()
    all_of = members.groupby("adcode", sort=False)["cluster"].agg(tuple).to_dict()
    partial_of = members[members["partial"]].groupby("adcode", sort=False)["cluster"].agg(tuple)
    partial_of = partial_of.to_dict()

    def value(x: object) -> object:
        return None if x is pd.NA or (isinstance(x, float) and np.isnan(x)) else x

    by_code: dict[str, object] = {}
    text: dict[str, tuple[str, ...]] = {}
    latin: dict[str, tuple[str, ...]] = {}
    columns = [table[c].to_numpy(dtype=object) for c in _CITY_COLUMNS]
    for row in zip(*columns, strict=True):
        rec = dict(zip(_CITY_COLUMNS, (value(v) for v in row), strict=True))
        code = rec["adcode"]
        prov = provs[rec["province_adcode"]]
        partial = rec["cluster_partial"]
        by_code[code] = City(
            adcode=code, name=rec["name"], short_name=rec["short_name"], name_en=rec["name_en"],
            province_adcode=prov.adcode, province=prov.name, province_short=prov.short_name,
            region=prov.region, level=rec["level"], tier=rec["tier"], tier_2025=rec["tier_2025"],
            cluster=rec["cluster"], cluster_partial=None if partial is None else bool(partial),
            clusters_all=all_of.get(code, ()), partial_clusters=partial_of.get(code, ()),
            lat=None if rec["lat"] is None else float(rec["lat"]),
            lon=None if rec["lon"] is None else float(rec["lon"]),
        )
        names = [rec["name"], rec["short_name"]]
        if rec["name"].endswith("自治州"):
            names.append(rec["short_name"] + "州")  # 海南州, 延边州: common usage
        for key in names:
            _add(text, _text_key(key), code)
        stem = _english_stem(rec["name_en"])
        spellings = [rec["name_en"], *([stem] if stem else []), *_CITY_ALT_EN.get(code, ())]
        for spelling in spellings:
            for key in _latin_variants(spelling):
                _add(latin, key, code)
    return _Keys(by_code, text, latin, dict(zip(table["adcode"], table["short_name"])),
                 dict(zip(table["adcode"], table["name_en"])))


# --------------------------------------------------------------------------- codes


def normalise_code(x: object) -> str:
    """Return ``x`` as a 6-character adcode string, or raise DataError.

    Accepted: a Python or numpy integer in 100000-999999 (``440300``) and a string of
    exactly six ASCII digits, surrounding whitespace ignored (``"440300"``, ``" 440300"``).
    Refused, with a message saying how to fix it: floats (``440300.0``; a float adcode
    usually means the column was read as numbers with missing values), float-like text
    (``"440300.0"``), other lengths, booleans and other types. The code is not checked
    against the tables; :func:`city` and :func:`province` do that.

    Examples
    --------
    >>> normalise_code(440300), normalise_code(" 440300")
    ('440300', '440300')
    """
    if isinstance(x, (bool, np.bool_)):
        raise DataError(f"Adcode {x!r} is a boolean; expected a 6-digit code such as '440300'.")
    if isinstance(x, Integral):
        number = int(x)
        if not 100000 <= number <= 999999:
            raise DataError(
                f"Adcode {number} is not a 6-digit code; expected six digits such as 440300 "
                "(pass codes with leading zeros as strings)."
            )
        return str(number)
    if isinstance(x, (float, np.floating)):
        hint = ""
        if np.isfinite(x) and float(x).is_integer() and 100000 <= x <= 999999:
            hint = f" Pass {int(x)} or '{int(x)}'."
        raise DataError(
            f"Adcode {x!r} is a float; adcodes are 6-digit codes, never floats. A float usually "
            "means the column was read as numbers with missing values: read it as text, e.g. "
            f"pd.read_csv(..., dtype={{'adcode': str}}).{hint}"
        )
    if isinstance(x, str):
        text = x.strip()
        if re.fullmatch(_CODE_RE, text):
            return text
        if re.fullmatch(r"[0-9]{6}\.0+", text):
            raise DataError(
                f"Adcode {x!r} looks like a float written as text; pass {text.split('.')[0]!r} "
                "(read code columns as text, e.g. pd.read_csv(..., dtype={'adcode': str}))."
            )
        raise DataError(
            f"Adcode {x!r} is not a 6-digit code; expected six digits such as '440300'."
        )
    raise DataError(
        f"Adcode must be an int or a 6-digit string; got {type(x).__name__} {x!r}."
    )


def _normalise_codes(codes: Iterable[object], owner: str) -> pd.Index:
    """Vectorised :func:`normalise_code` for a collection; one error lists every bad entry."""
    if isinstance(codes, (str, bytes)) or not isinstance(codes, Iterable):
        raise DataError(
            f"{owner}: 'codes' must be a collection of adcodes (list, Series, Index); "
            f"got {type(codes).__name__} {codes!r}."
        )
    # str() of an int is its digits; of a float '440300.0', of a bool 'True', of NA '<NA>':
    # only the first passes the 6-digit pattern, as in normalise_code.
    values = pd.Series(list(codes), dtype=object)
    text = values.astype(str).str.strip()
    ok = text.str.fullmatch(_CODE_RE).to_numpy(dtype=bool)
    if not ok.all():
        bad = ~ok
        shown = describe_rows(repr(v) for v in values.to_numpy()[bad])
        hint = ""
        if text.str.fullmatch(r"[0-9]{6}\.0+").to_numpy(dtype=bool)[bad].any():
            hint = (" Float codes usually mean the column was read as numbers: read it as text, "
                    "e.g. pd.read_csv(..., dtype={'adcode': str}).")
        raise DataError(
            f"{owner}: 'codes' has {bad.sum()} entr{'y' if bad.sum() == 1 else 'ies'} that are "
            f"not 6-digit adcodes, at position(s) {describe_rows(np.flatnonzero(bad))}: "
            f"{shown}.{hint}"
        )
    return pd.Index(text.to_numpy(dtype=object), dtype="string", name="adcode")


# --------------------------------------------------------------------------- lookups


def _join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _key_codes(key: object, keys: _Keys, what: str) -> tuple[tuple[str, ...] | None, str, bool]:
    """Resolve ``key`` to candidate codes.

    Returns ``(codes or None, normalised key, is_code)``.
    """
    if isinstance(key, (bool, np.bool_)):
        raise DataError(f"{what.capitalize()} key {key!r} is a boolean; pass an adcode or a name.")
    if isinstance(key, (Integral, float, np.floating)) or (
        isinstance(key, str) and key.strip().isascii() and key.strip().replace(".", "").isdigit()
    ):
        code = normalise_code(key)
        return ((code,) if code in keys.by_code else None), code, True
    if not isinstance(key, str):
        raise DataError(
            f"{what.capitalize()} key must be an adcode or a name; "
            f"got {type(key).__name__} {key!r}."
        )
    if _cjk(key):
        norm = _text_key(key)
        return keys.text.get(norm), norm, False
    norm = _latin_key(key)
    if not norm:
        raise DataError(f"{what.capitalize()} key {key!r} is empty; pass an adcode or a name.")
    return keys.latin.get(norm), norm, False


def _suggestions(key: str, keys: _Keys) -> str:
    """``"did you mean 深圳 (440300)?"`` from difflib matches of the normalised key."""
    # Chinese keys are 2-4 characters, so one wrong character already halves the ratio.
    if _cjk(key):
        pool, query, label, cutoff = keys.text, _text_key(key), keys.text_label, 0.5
    else:
        pool, query, label, cutoff = keys.latin, _latin_key(key), keys.latin_label, 0.6
    codes: list[str] = []
    for match in difflib.get_close_matches(query, list(pool), n=10, cutoff=cutoff):
        codes.extend(c for c in pool[match] if c not in codes)
    if not codes:
        return ""
    return "did you mean " + _join_or([f"{label[c]} ({c})" for c in codes[:3]]) + "?"


def _unknown_city(key: object, norm: str, is_code: bool) -> DataError:
    ckeys, pkeys = _city_keys(), _province_keys()
    if is_code:
        prov = pkeys.by_code.get(norm)
        if prov is not None:
            return DataError(
                f"Unknown city code '{norm}': it is the code of the province {prov.name}; "
                f"use province('{norm}'), or members(province='{norm}') for its cities."
            )
        for parent in (norm[:4] + "00", norm[:2] + "0000"):
            if parent in ckeys.by_code:
                c = ckeys.by_code[parent]
                return DataError(
                    f"Unknown city code '{norm}': no city-level unit has this code; if it is a "
                    f"district or county of {c.name}, pass that city's code '{parent}'."
                )
        prov = pkeys.by_code.get(norm[:2] + "0000")
        where = f" (its first two digits are those of {prov.name})" if prov else ""
        return DataError(
            f"Unknown city code '{norm}': no city-level unit has this code{where}; the table "
            "follows the MCA list as of 2024-12-31."
        )
    pcodes, _, _ = _key_codes(key, pkeys, "province")
    if pcodes:
        prov = pkeys.by_code[pcodes[0]]
        return DataError(
            f"Unknown city {key!r}: it names the province {prov.name} ({prov.adcode}); use "
            f"province({key!r}), or members(province={key!r}) for its cities."
        )
    hint = _suggestions(key, ckeys)
    if hint:
        return DataError(f"Unknown city {key!r}: {hint}")
    return DataError(
        f"Unknown city {key!r}: no city has a similar name; look cities up by adcode, full or "
        "short Chinese name, or English name / pinyin (see dtindex.regions.cities())."
    )


def _lookup_province(key: object) -> Province:
    pkeys, ckeys = _province_keys(), _city_keys()
    codes, norm, is_code = _key_codes(key, pkeys, "province")
    if codes and len(codes) == 1:
        return pkeys.by_code[codes[0]]
    if codes:
        listed = _join_or([f"{pkeys.by_code[c].name} ({c})" for c in codes])
        raise DataError(f"Ambiguous province {key!r}: it matches {listed}; pass the adcode.")
    if is_code:
        c = ckeys.by_code.get(norm)
        if c is not None:
            raise DataError(
                f"Unknown province code '{norm}': it is the code of the city {c.name}, which is "
                f"in {c.province} ({c.province_adcode})."
            )
        raise DataError(
            f"Unknown province code '{norm}': province-level codes are the 31 codes of "
            "provinces() (e.g. '440000')."
        )
    ccodes, _, _ = _key_codes(key, ckeys, "city")
    if ccodes and len(ccodes) == 1:
        c = ckeys.by_code[ccodes[0]]
        raise DataError(
            f"Unknown province {key!r}: it names the city {c.name} ({c.adcode}) in "
            f"{c.province} ({c.province_adcode}); use city({key!r})."
        )
    hint = _suggestions(key, pkeys)
    if hint:
        raise DataError(f"Unknown province {key!r}: {hint}")
    raise DataError(
        f"Unknown province {key!r}: no province has a similar name; look provinces up by "
        "adcode, full or short Chinese name, or English name (see dtindex.regions.provinces())."
    )


def province(key: str | int) -> Province:
    """Look up a province-level unit.

    Parameters
    ----------
    key : str or int
        Adcode (``440000`` or ``"440000"``), full name (广东省), short name (广东) or English
        name, case-insensitive, spaces and hyphens ignored ("Inner Mongolia"; also "Xizang",
        "Neimenggu"). 吉林 and 海南 resolve to the provinces here (use :func:`city` for
        吉林市 and 海南藏族自治州).

    Returns
    -------
    Province

    Raises
    ------
    DataError
        Unknown key (close matches suggested; a city name or code is pointed to :func:`city`).

    Examples
    --------
    >>> province("吉林").name, province("Hainan").adcode
    ('吉林省', '460000')
    """
    return _lookup_province(key)


def city(key: str | int, *, province: str | int | None = None) -> City:
    """Look up a city-level unit (municipality, prefecture-level or province-direct unit).

    Parameters
    ----------
    key : str or int
        One of: the adcode (``440300`` or ``"440300"``); the full Chinese name (深圳市);
        the short name (深圳; for 自治州 also ``<short>州``, e.g. 海南州); the English name
        or pinyin (Shenzhen), compared after case folding and dropping spaces, hyphens and
        apostrophes ("xian" and "Xi'an" both give 西安), with ü typed as u or v ("Luliang",
        "Lvliang"); for prefectures, leagues and autonomous units also the place part of the
        English name ("Enshi", "Aksu", "Hinggan"), and the alternative spellings Shigatse,
        Chamdo, Kashi, Aba, Kumul.
    province : str or int, optional
        A province key (as in :func:`province`) that the city must belong to; it narrows
        ambiguous English keys: ``city("Suzhou", province="Anhui")`` is 宿州.

    Returns
    -------
    City

    Raises
    ------
    DataError
        Unknown key (with up to three close matches, e.g.
        ``Unknown city '深证': did you mean 深圳 (440300)?``); a key naming a province
        (吉林省, 广东); an ambiguous key (the pinyin pairs Suzhou 苏州/宿州, Taizhou 泰州/台州,
        Fuzhou 福州/抚州, Yichun 伊春/宜春, Yulin 榆林/玉林), listing the candidates; a city
        outside ``province``.

    Notes
    -----
    This is a city lookup, so a short name shared with a province resolves to the city:
    ``city("吉林")`` is 吉林市 (220200) and ``city("海南")`` / ``city("Hainan")`` is
    海南藏族自治州 (632500), never 吉林省 / 海南省 (use :func:`province` for those).
    Municipalities are cities too: ``city("北京")`` is 110000.

    Examples
    --------
    >>> city(440300).name, city("xian").adcode, city("Lvliang").name
    ('深圳市', '610100', '吕梁市')
    """
    keys = _city_keys()
    codes, norm, is_code = _key_codes(key, keys, "city")
    if not codes:
        raise _unknown_city(key, norm, is_code)
    if province is not None:
        prov = _lookup_province(province)
        inside = tuple(c for c in codes if keys.by_code[c].province_adcode == prov.adcode)
        if not inside:
            found = _join_or([f"{keys.by_code[c].name} ({c}, {keys.by_code[c].province})"
                              for c in codes])
            raise DataError(f"City {key!r} is not in {prov.name}: it matches {found}.")
        codes = inside
    if len(codes) > 1:
        listed = [f"{keys.by_code[c].name} ({c}, {keys.by_code[c].province})" for c in codes]
        listed_text = ", ".join(listed[:-1]) + " and " + listed[-1]
        raise DataError(
            f"Ambiguous city {key!r}: it matches {listed_text}; pass the adcode or the Chinese "
            "name, or narrow with province=..."
        )
    return keys.by_code[codes[0]]
